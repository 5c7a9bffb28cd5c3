import { spawn } from "node:child_process";
import { LocalFileTransport } from "./local-files.js";
import type { Connection, ExecOptions, ExecResult } from "./types.js";

/** Runs on the control machine itself (`ansible_connection: local`). */
export class LocalConnection implements Connection {
  readonly kind = "local" as const;
  readonly files = new LocalFileTransport();

  constructor(readonly host: string) {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return runLocal(command, opts);
  }

  async close(): Promise<void> {}
}

/** Spawns `/bin/sh -c command`, collecting output; never throws for a non-zero exit. */
export function runLocal(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
      signal: opts.signal,
      timeout: opts.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      opts.onStdout?.(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err.push(chunk);
      opts.onStderr?.(chunk);
    });
    child.on("error", (error) => {
      if ((error as NodeJS.ErrnoException).code === "ABORT_ERR") return;
      reject(error);
    });
    child.stdin.on("error", () => {
      // the command may exit without reading its input; that is its business
    });
    child.on("close", (code, signal) => {
      resolve({
        rc: code ?? 128 + 9,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ...(signal ? { signal } : {}),
      });
    });
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else child.stdin.end();
  });
}
