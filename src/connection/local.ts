import { becomeFailure, stripBecomePrompt, wrapBecome } from "./become.js";
import { LocalFileTransport } from "./local-files.js";
import { withCwdAndEnv } from "./quote.js";
import type { Connection, ExecOptions, ExecResult } from "./types.js";

/** Runs on the control machine itself (`ansible_connection: local`). */
export class LocalConnection implements Connection {
  readonly kind = "local" as const;
  readonly files: LocalFileTransport;

  constructor(readonly host: string) {
    this.files = new LocalFileTransport(host);
  }

  /** Runs `command`; under become, wrapped in sudo exactly as over SSH (password on stdin only). */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (!opts.become) return runLocal(command, opts);
    const become = wrapBecome(withCwdAndEnv(command, opts), opts.become);
    const stdin = typeof opts.stdin === "string" ? Buffer.from(opts.stdin) : opts.stdin;
    const input = become.stdinPrefix
      ? Buffer.concat([Buffer.from(become.stdinPrefix), stdin ?? Buffer.alloc(0)])
      : stdin;
    const { cwd: _cwd, env: _env, become: _become, ...rest } = opts;
    const result = await runLocal(become.command, { ...rest, ...(input ? { stdin: input } : {}) });
    result.stderr = stripBecomePrompt(result.stderr, become.prompt);
    const failure = becomeFailure(result, opts.become, this.host);
    if (failure) throw failure;
    return result;
  }

  async close(): Promise<void> {}
}

/**
 * Spawns `/bin/sh -c command`, collecting output; never throws for a non-zero exit. The command gets
 * its own process group: a Ctrl-C at the terminal reaches tsible, which decides when to stop it
 * (grace period), and stopping it stops everything it started. An abort rejects with its reason.
 */
export async function runLocal(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  // loaded on first use: child_process (with net and dgram) costs ~15 ms of a start that needs none
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const child = spawn("/bin/sh", ["-c", command], {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    let aborted = false;
    const timers: NodeJS.Timeout[] = [];
    const stopGroup = () => {
      signalGroup(child.pid, "SIGTERM");
      const hard = setTimeout(() => signalGroup(child.pid, "SIGKILL"), 2000);
      hard.unref();
      timers.push(hard);
    };
    const onAbort = () => {
      aborted = true;
      stopGroup();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.timeoutMs !== undefined) timers.push(setTimeout(stopGroup, opts.timeoutMs));
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
    child.on("error", (error) => reject(error));
    child.stdin.on("error", () => {
      // the command may exit without reading its input; that is its business
    });
    child.on("close", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener("abort", onAbort);
      if (aborted) return reject(opts.signal?.reason ?? new Error("aborted"));
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

/** Signals a whole process group (a command and whatever it started); gone already is fine. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group has exited
  }
}
