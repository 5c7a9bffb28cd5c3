import type { Duplex } from "node:stream";

/** How to become another user on the host (Ansible's `become`). Only sudo is supported. */
export interface BecomeSpec {
  user: string;
  method: "sudo";
  /** With a password sudo runs with -S and a unique prompt; without, with -n. */
  password?: string;
  flags?: string;
}

export interface ExecOptions {
  /** Sent to the command's standard input: the way secrets travel, never argv. */
  stdin?: string | Buffer;
  cwd?: string;
  env?: Record<string, string>;
  become?: BecomeSpec;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Live output, for progress of long steps (rsync, pulls). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Set when the command was killed by a signal. */
  signal?: string;
}

export type FileType = "file" | "directory" | "link" | "other";

export interface FileStat {
  type: FileType;
  /** Permission bits only (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** For links (when not followed): the link's target as written. */
  linkTarget?: string;
}

export interface WriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * File operations on a host. Paths are absolute. Implementations: node:fs (local), SFTP (ssh), and
 * a POSIX-shell one used under `become`. Missing paths give `undefined` from stat/readFile; other
 * failures throw with the host's error message.
 */
export interface FileTransport {
  stat(path: string, opts?: { follow?: boolean }): Promise<FileStat | undefined>;
  readFile(path: string): Promise<Buffer | undefined>;
  /** Atomic: a temp file beside `path`, created with `mode` (and owner) from the start, then renamed. */
  writeFile(path: string, data: Buffer, opts: WriteOptions): Promise<void>;
  /** Creates one directory level. */
  mkdir(path: string, mode: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** -1 keeps the current uid/gid. Does not follow links. */
  chown(path: string, uid: number, gid: number): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file, link or (with recursive) a directory tree. No error when missing. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  readdir(path: string): Promise<string[]>;
}

/** A command whose stdin and stdout the caller streams (rsync's protocol over the host's connection). */
export interface CommandStream {
  /** Writes go to the command's stdin; reads come from its stdout. `end()` sends EOF. */
  readonly stream: Duplex;
  /** Settles when the command has ended, with its exit code and stderr (stdout went through `stream`). */
  readonly done: Promise<ExecResult>;
}

/** A connection to one host, opened once and reused for the whole run. */
export interface Connection {
  readonly host: string;
  readonly kind: "local" | "ssh";
  /** Runs `command` with `/bin/sh -c` on the host (wrapped in sudo when `opts.become` is set). */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Streams a command's stdin/stdout (wrapped in sudo when `opts.become` is set); ssh only. */
  openStream?(command: string, opts?: Pick<ExecOptions, "become" | "signal">): Promise<CommandStream>;
  /** Direct file access as the login user. Under become, callers use a shell-based transport. */
  readonly files: FileTransport;
  close(): Promise<void>;
}
