import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isMissing, onHost } from "./fs-errors.js";
import type { FileStat, FileTransport, WriteOptions } from "./types.js";

/** File operations on the control machine through node:fs. */
export class LocalFileTransport implements FileTransport {
  /** `host` names the control machine in errors, as inventory_hostname. */
  constructor(private readonly host = "localhost") {}

  /** The operation's failure worded with its path and host (see onHost). */
  private async on<T>(op: string, path: string, promise: Promise<T>): Promise<T> {
    try {
      return await promise;
    } catch (err) {
      throw onHost(op, path, this.host, err);
    }
  }

  async stat(path: string, opts: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    try {
      const st = opts.follow === false ? await fs.lstat(path) : await fs.stat(path);
      const type = st.isFile()
        ? "file"
        : st.isDirectory()
          ? "directory"
          : st.isSymbolicLink()
            ? "link"
            : "other";
      const result: FileStat = {
        type,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: st.size,
        mtime: Math.floor(st.mtimeMs / 1000),
      };
      if (type === "link") result.linkTarget = await fs.readlink(path);
      return result;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async writeFile(path: string, data: Buffer, opts: WriteOptions): Promise<void> {
    const temp = join(dirname(path), `.${basename(path)}.tsible-${randomBytes(6).toString("hex")}.tmp`);
    // `wx` + the final mode from the start: the content is never readable with looser permissions
    const handle = await this.on("write", path, fs.open(temp, "wx", opts.mode & 0o777));
    try {
      await handle.writeFile(data);
      await handle.chmod(opts.mode);
      if (opts.uid !== undefined || opts.gid !== undefined)
        await handle.chown(opts.uid ?? -1, opts.gid ?? -1);
      await handle.sync();
      await handle.close();
      await fs.rename(temp, path);
    } catch (err) {
      await handle.close().catch(() => {});
      // the host's error is what the user needs; a temp that cannot be removed is named after it
      const left = await fs.rm(temp, { force: true }).then(
        () => undefined,
        (e: Error) => e,
      );
      const error = onHost("write", path, this.host, err);
      if (left && error instanceof Error)
        error.message += ` (and ${temp} could not be removed: ${left.message})`;
      throw error;
    }
  }

  async mkdir(path: string, mode: number): Promise<void> {
    await this.on("mkdir", path, fs.mkdir(path, { mode }));
    // mkdir's mode is filtered by the umask; the requested mode is what the user wrote
    await this.chmod(path, mode);
  }

  chmod(path: string, mode: number): Promise<void> {
    return this.on("chmod", path, fs.chmod(path, mode));
  }

  chown(path: string, uid: number, gid: number): Promise<void> {
    return this.on("chown", path, fs.lchown(path, uid, gid));
  }

  symlink(target: string, path: string): Promise<void> {
    return this.on("symlink", path, fs.symlink(target, path));
  }

  rename(from: string, to: string): Promise<void> {
    return this.on("rename", from, fs.rename(from, to));
  }

  remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return this.on("remove", path, fs.rm(path, { force: true, recursive: opts.recursive ?? false }));
  }

  readdir(path: string): Promise<string[]> {
    return fs.readdir(path);
  }
}
