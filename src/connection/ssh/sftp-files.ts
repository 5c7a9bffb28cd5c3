/** FileTransport over one reused SFTP channel, as the login user; atomic writes via temp file + rename. */

import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { Attributes, SFTPWrapper, Stats } from "ssh2";
import { TsibleError } from "../../errors.js";
import { shq } from "../quote.js";
import { fileTypeOf, ShellFiles } from "../shell-files.js";
import type { ExecOptions, ExecResult, FileStat, FileTransport, WriteOptions } from "../types.js";

const NO_SUCH_FILE = 2;
/**
 * SSH_FX_FAILURE, message "Failure": what OpenSSH's sftp-server answers for every errno it has no
 * status for, among them ENOSPC, EDQUOT, EROFS and EIO. The reason is lost on the way.
 */
const FAILURE = 4;

/** A temp name beside `path`, hidden, recognisable and unique. */
export function tempNameBeside(path: string): string {
  return posix.join(
    posix.dirname(path),
    `.${posix.basename(path)}.tsible-${randomBytes(6).toString("hex")}.tmp`,
  );
}

type SftpError = Error & { code?: number };

const EOF = 1;
/** How much of a folder is read for leftover temp files: READDIR batches (OpenSSH sends up to 100 names each). */
const MAX_LISTING_BATCHES = 20;

/**
 * Temp files of earlier writes that never reached their rename, because the connection was lost
 * mid-upload: this transport's (`tempNameBeside`) and the shell transport's (mktemp). Group 1 is the
 * name of the file they were meant to become.
 */
const LEFTOVER = /^\.(.+)\.tsible-(?:[0-9a-f]{12}\.tmp|[A-Za-z0-9]{6})$/;

export interface SftpFilesDeps {
  host: string;
  sftp: () => Promise<SFTPWrapper>;
  /** As the login user: what SFTP cannot do in one request (recursive removal), and the shell redo. */
  exec: (command: string, opts?: ExecOptions) => Promise<ExecResult>;
  /** The error to throw instead when the connection itself is gone. */
  lost: () => TsibleError | undefined;
}

export class SftpFiles implements FileTransport {
  /** Per folder written to: leftover temp files in it, by the name they were meant for (read once). */
  private readonly leftoversIn = new Map<string, Promise<Map<string, string[]>>>();

  /** The same operations through the login user's shell, whose errors carry the host's own words. */
  private readonly shell: ShellFiles;

  constructor(private readonly deps: SftpFilesDeps) {
    this.shell = new ShellFiles((command, opts) => deps.exec(command, opts), deps.host);
  }

  /**
   * Runs a change through SFTP; when the server answers only "Failure", the login user's shell does
   * it again, which either succeeds (the write is as atomic) or fails with the host's reason:
   * "cat: write error: No space left on device", "mkdir: ...: Read-only file system".
   */
  private async orShell<T>(sftp: () => Promise<T>, shell: () => Promise<T>): Promise<T> {
    try {
      return await sftp();
    } catch (err) {
      const cause = err instanceof TsibleError ? err.cause : err;
      if ((cause as SftpError | undefined)?.code !== FAILURE || this.deps.lost()) throw err;
      return shell();
    }
  }

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
    await this.orShell(
      () => this.writeOver(path, data, opts),
      () => this.shell.writeFile(path, data, opts),
    );
  }

  private async writeOver(path: string, data: Buffer, opts: WriteOptions): Promise<void> {
    const sftp = await this.deps.sftp();
    const temp = tempNameBeside(path);
    const request = <T>(fn: (cb: (err: SftpError | undefined | null, v?: T) => void) => void) =>
      new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
    let handle: Buffer | undefined;
    let created = false;
    const dir = posix.dirname(path);
    // listed on the first write into a folder, while the data goes out (SFTP requests are pipelined)
    let leftovers = this.leftoversIn.get(dir);
    if (!leftovers) {
      leftovers = this.listLeftovers(sftp, dir);
      this.leftoversIn.set(dir, leftovers);
    }
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
      const base = posix.basename(path);
      const found = await leftovers;
      for (const name of found.get(base) ?? []) {
        await request((cb) => sftp.unlink(posix.join(dir, name), cb)).catch(() => undefined);
      }
      found.delete(base);
    } catch (err) {
      // ssh2 never answers a request sent once the connection is gone: it would wait forever
      if (!this.deps.lost()) {
        if (handle) await request((cb) => sftp.close(handle!, cb)).catch(() => undefined);
        if (created) await request((cb) => sftp.unlink(temp, cb)).catch(() => undefined);
      }
      throw this.fail("write", path, err);
    }
  }

  /**
   * The temp files earlier writes left in `dir` when their connection was lost, by the file they were
   * meant for: the write of that file that finally succeeds removes them. Never fails: a folder it
   * cannot read has none.
   */
  private async listLeftovers(sftp: SFTPWrapper, dir: string): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    let handle: Buffer | undefined;
    try {
      handle = await new Promise<Buffer>((resolve, reject) =>
        sftp.opendir(dir, (err, h) => (err ? reject(err) : resolve(h))),
      );
      for (let batch = 0; batch < MAX_LISTING_BATCHES && !this.deps.lost(); batch++) {
        const list = await new Promise<Array<{ filename: string }> | undefined>((resolve, reject) =>
          sftp.readdir(handle!, (err, l) =>
            err ? ((err as SftpError).code === EOF ? resolve(undefined) : reject(err)) : resolve(l),
          ),
        );
        if (!list) break;
        for (const { filename } of list) {
          const meantFor = LEFTOVER.exec(filename)?.[1];
          if (meantFor !== undefined) found.set(meantFor, [...(found.get(meantFor) ?? []), filename]);
        }
      }
    } catch {
      // unreadable folder, or the connection is going away: nothing to clean
    }
    if (handle && !this.deps.lost()) sftp.close(handle, () => undefined);
    return found;
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
    await this.orShell(
      () => this.call("mkdir", path, (s, cb) => s.mkdir(path, { mode: mode & 0o777 }, cb)),
      () => this.shell.mkdir(path, mode),
    );
    await this.chmod(path, mode); // exact mode, whatever the server's umask
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.orShell(
      () => this.call("chmod", path, (s, cb) => s.chmod(path, mode & 0o7777, cb)),
      () => this.shell.chmod(path, mode),
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
    await this.orShell(
      () =>
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
      () => this.shell.chown(path, uid, gid),
    );
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.orShell(
      () => this.call("symlink", path, (s, cb) => s.symlink(target, path, cb)),
      () => this.shell.symlink(target, path),
    );
  }

  async rename(from: string, to: string): Promise<void> {
    const sftp = await this.deps.sftp();
    await this.orShell(
      () => this.must("rename", from, this.renameOver(sftp, from, to)),
      () => this.shell.rename(from, to),
    );
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const stat = await this.stat(path, { follow: false });
    if (!stat) return;
    if (stat.type === "directory" && opts.recursive) {
      const r = await this.deps.exec(`rm -rf -- ${shq(path)}`);
      if (r.rc !== 0) throw this.fail("remove", path, new Error(r.stderr.trim()));
    } else if (stat.type === "directory") {
      await this.orShell(
        () => this.call("remove", path, (s, cb) => s.rmdir(path, cb)),
        () => this.shell.remove(path),
      );
    } else {
      await this.orShell(
        () => this.orMissing(this.call("remove", path, (s, cb) => s.unlink(path, cb))),
        () => this.shell.remove(path),
      );
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
