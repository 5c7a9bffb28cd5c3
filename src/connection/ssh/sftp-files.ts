/** FileTransport over one reused SFTP channel, as the login user; atomic writes via temp file + rename. */

import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { Attributes, SFTPWrapper, Stats } from "ssh2";
import { TsibleError } from "../../errors.js";
import { shq } from "../quote.js";
import { fileTypeOf } from "../shell-files.js";
import type { ExecResult, FileStat, FileTransport, WriteOptions } from "../types.js";

const NO_SUCH_FILE = 2;

/** A temp name beside `path`, hidden, recognisable and unique. */
export function tempNameBeside(path: string): string {
  return posix.join(
    posix.dirname(path),
    `.${posix.basename(path)}.tsible-${randomBytes(6).toString("hex")}.tmp`,
  );
}

type SftpError = Error & { code?: number };

export interface SftpFilesDeps {
  host: string;
  sftp: () => Promise<SFTPWrapper>;
  /** For what SFTP cannot do in one request (recursive removal). */
  exec: (command: string) => Promise<ExecResult>;
  /** The error to throw instead when the connection itself is gone. */
  lost: () => TsibleError | undefined;
}

export class SftpFiles implements FileTransport {
  constructor(private readonly deps: SftpFilesDeps) {}

  private fail(op: string, path: string, err: unknown): TsibleError {
    const lost = this.deps.lost();
    if (lost) return lost;
    if (err instanceof TsibleError) return err;
    return new TsibleError(`${op} ${path} on ${this.deps.host}: ${(err as Error).message}`, {
      kind: "module",
      cause: err,
    });
  }

  /** Runs one SFTP request; a missing path gives `missing` instead of an error when asked. */
  private async call<T>(
    op: string,
    path: string,
    request: (s: SFTPWrapper, cb: (err: SftpError | undefined | null, v?: T) => void) => void,
  ): Promise<T> {
    const sftp = await this.deps.sftp();
    return new Promise<T>((resolve, reject) => {
      request(sftp, (err, value) => (err ? reject(err) : resolve(value as T)));
    }).catch((err: SftpError) => {
      throw err.code === NO_SUCH_FILE ? err : this.fail(op, path, err);
    });
  }

  private async orMissing<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (err) {
      if ((err as SftpError).code === NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  private async must<T>(op: string, path: string, promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (err) {
      throw this.fail(op, path, err);
    }
  }

  async stat(path: string, opts: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    const follow = opts.follow ?? true;
    const attrs = await this.orMissing(
      this.call<Stats>("stat", path, (s, cb) => (follow ? s.stat(path, cb) : s.lstat(path, cb))),
    );
    if (!attrs) return undefined;
    const stat: FileStat = {
      type: fileTypeOf(attrs.mode),
      mode: attrs.mode & 0o7777,
      uid: attrs.uid,
      gid: attrs.gid,
      size: attrs.size,
      mtime: attrs.mtime,
    };
    if (stat.type === "link") {
      stat.linkTarget = await this.must(
        "readlink",
        path,
        this.call<string>("readlink", path, (s, cb) => s.readlink(path, cb)),
      );
    }
    return stat;
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    return this.orMissing(this.call<Buffer>("read", path, (s, cb) => s.readFile(path, cb)));
  }

  async writeFile(path: string, data: Buffer, opts: WriteOptions): Promise<void> {
    const sftp = await this.deps.sftp();
    const temp = tempNameBeside(path);
    const request = <T>(fn: (cb: (err: SftpError | undefined | null, v?: T) => void) => void) =>
      new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
    let handle: Buffer | undefined;
    let created = false;
    try {
      // Created with the final mode (never wider), so content never sits readable by others.
      handle = await request<Buffer>((cb) => sftp.open(temp, "wx", { mode: opts.mode & 0o777 }, cb));
      created = true;
      if (data.length > 0) await request((cb) => sftp.write(handle!, data, 0, data.length, 0, cb));
      if (opts.uid !== undefined || opts.gid !== undefined) {
        const current = await request<Stats>((cb) => sftp.fstat(handle!, cb));
        const uid = opts.uid === undefined || opts.uid < 0 ? current.uid : opts.uid;
        const gid = opts.gid === undefined || opts.gid < 0 ? current.gid : opts.gid;
        await request((cb) => sftp.fchown(handle!, uid, gid, cb));
      }
      // After chown, which clears set-id bits; exact, whatever the server's umask.
      await request((cb) => sftp.fchmod(handle!, opts.mode & 0o7777, cb));
      const h = handle;
      handle = undefined;
      await request((cb) => sftp.close(h, cb));
      await this.renameOver(sftp, temp, path);
      created = false;
    } catch (err) {
      if (handle) await request((cb) => sftp.close(handle!, cb)).catch(() => undefined);
      if (created) await request((cb) => sftp.unlink(temp, cb)).catch(() => undefined);
      throw this.fail("write", path, err);
    }
  }

  /** posix-rename@openssh.com replaces the target atomically; plain SFTP rename refuses to. */
  private renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err: Error | undefined | null) => (err ? reject(err) : resolve());
      try {
        sftp.ext_openssh_rename(from, to, done);
      } catch {
        sftp.rename(from, to, done);
      }
    });
  }

  async mkdir(path: string, mode: number): Promise<void> {
    await this.must(
      "mkdir",
      path,
      this.call("mkdir", path, (s, cb) => s.mkdir(path, { mode: mode & 0o777 }, cb)),
    );
    await this.chmod(path, mode); // exact mode, whatever the server's umask
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.must(
      "chmod",
      path,
      this.call("chmod", path, (s, cb) => s.chmod(path, mode & 0o7777, cb)),
    );
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    if (uid < 0 || gid < 0) {
      const current = await this.stat(path, { follow: false });
      if (!current) throw this.fail("chown", path, new Error("No such file"));
      if (uid < 0) uid = current.uid;
      if (gid < 0) gid = current.gid;
    }
    const attrs: Partial<Attributes> = { uid, gid };
    await this.must(
      "chown",
      path,
      this.call("chown", path, (s, cb) => {
        try {
          s.ext_openssh_lsetstat(path, attrs, cb); // does not follow links
        } catch {
          this.deps.exec(`chown -h ${uid}:${gid} -- ${shq(path)}`).then(
            (r) => cb(r.rc === 0 ? undefined : new Error(r.stderr.trim())),
            (e: Error) => cb(e),
          );
        }
      }),
    );
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.must(
      "symlink",
      path,
      this.call("symlink", path, (s, cb) => s.symlink(target, path, cb)),
    );
  }

  async rename(from: string, to: string): Promise<void> {
    const sftp = await this.deps.sftp();
    await this.must("rename", from, this.renameOver(sftp, from, to));
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const stat = await this.stat(path, { follow: false });
    if (!stat) return;
    if (stat.type === "directory" && opts.recursive) {
      const r = await this.deps.exec(`rm -rf -- ${shq(path)}`);
      if (r.rc !== 0) throw this.fail("remove", path, new Error(r.stderr.trim()));
    } else if (stat.type === "directory") {
      await this.must(
        "remove",
        path,
        this.call("rmdir", path, (s, cb) => s.rmdir(path, cb)),
      );
    } else {
      await this.orMissing(this.call("remove", path, (s, cb) => s.unlink(path, cb)));
    }
  }

  async readdir(path: string): Promise<string[]> {
    const list = await this.must(
      "readdir",
      path,
      this.call<Array<{ filename: string }>>("readdir", path, (s, cb) => s.readdir(path, cb)),
    );
    return list.map((e) => e.filename).filter((n) => n !== "." && n !== "..");
  }
}
