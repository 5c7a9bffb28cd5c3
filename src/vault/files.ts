import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { TsibleError } from "../errors.js";
import { readStdin, type VaultIO } from "./io.js";

/** Reads a named file, or stdin for `-`. */
export async function readInput(name: string, io: VaultIO): Promise<Buffer> {
  if (name === "-") return readStdin(io);
  try {
    return readFileSync(name);
  } catch (err) {
    throw new TsibleError(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      kind: "usage",
    });
  }
}

/** Writes to a named file atomically (see writeFileAtomic), or to stdout for `-`. */
export function writeOutput(name: string, data: Buffer | string, io: VaultIO): void {
  if (name === "-") io.stdout.write(data);
  else writeFileAtomic(name, data);
}

/**
 * Replaces a file in one step: a 0600 temp file beside it (same file system), fsync, the old file's
 * mode and owner (0600 for a new file, as ansible-vault writes), then rename. Symlinks are followed,
 * so the link stays a link. A failure leaves the original untouched.
 */
export function writeFileAtomic(path: string, data: Buffer | string): void {
  const target = resolveLink(path);
  const previous = statOrUndefined(target);
  const temp = join(dirname(target), `.${basename(target)}.tsible-${randomBytes(6).toString("hex")}`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o600);
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (previous) {
      restoreOwner(temp, previous);
      // after chown, which may clear set-id bits
      chmodSync(temp, previous.mode & 0o7777);
    }
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // it was never created, or the rename consumed it
    }
    if (err instanceof TsibleError) throw err;
    throw new TsibleError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      kind: "usage",
    });
  }
}

function resolveLink(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function restoreOwner(path: string, previous: Stats): void {
  const { uid, gid } = previous;
  if (uid === process.getuid?.() && gid === process.getgid?.()) return;
  try {
    chownSync(path, uid, gid);
  } catch {
    // only root may give a file away; the caller owns the new file then, as with ansible-vault
  }
}
