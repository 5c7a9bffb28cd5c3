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
