/** Runs the controller's rsync (no shell: argv as given), streaming its stdout for progress. */

import type { ExecResult } from "../../connection/types.js";
import { TsibleError } from "../../errors.js";

export interface SpawnRsyncOptions {
  env: Record<string, string>;
  signal: AbortSignal;
  onStdout: (chunk: Buffer) => void;
}

export async function spawnRsync(argv: string[], opts: SpawnRsyncOptions): Promise<ExecResult> {
  const { spawn } = await import("node:child_process"); // loaded on first use: see connection/local.ts
  return new Promise((resolve, reject) => {
    const child = spawn("rsync", argv, {
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => {
      out.push(chunk);
      opts.onStdout(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        reject(
          new TsibleError("rsync is not installed on the control machine", {
            kind: "module",
            hint: "install it (apt-get install rsync)",
          }),
        );
      } else reject(error);
    });
    child.on("close", (code, signal) => {
      const base = {
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      resolve(signal ? { ...base, rc: 128, signal } : { ...base, rc: code ?? 255 });
    });
  });
}
