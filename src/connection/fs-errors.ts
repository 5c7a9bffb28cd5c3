const DESCRIPTIONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  ENOTEMPTY: "directory not empty",
  ELOOP: "too many symbolic links encountered",
  EEXIST: "file already exists",
};

/**
 * An error shaped like node:fs's (`code`, `syscall`, `path`), for what the check-mode view predicts
 * the host would answer: callers handle predicted and real failures the same way.
 */
export function fsError(
  code: keyof typeof DESCRIPTIONS,
  syscall: string,
  path: string,
): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${DESCRIPTIONS[code]}, ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * A node:fs failure of one file operation on `host`, worded as the SFTP and shell transports word
 * theirs ("write /etc/app.conf on web1: ENOSPC: no space left on device, write"): node's own message
 * names no path for a failed write, or only the temp file beside the destination. `code`, `errno` and
 * `syscall` are kept, so callers still tell the failures apart; anything else is returned as it is.
 */
export function onHost(op: string, path: string, host: string, err: unknown): unknown {
  const cause = err as NodeJS.ErrnoException | undefined;
  if (typeof cause?.code !== "string") return err;
  const error: NodeJS.ErrnoException = new Error(`${op} ${path} on ${host}: ${cause.message}`, { cause });
  error.code = cause.code;
  if (cause.errno !== undefined) error.errno = cause.errno;
  if (cause.syscall !== undefined) error.syscall = cause.syscall;
  error.path = path;
  return error;
}
