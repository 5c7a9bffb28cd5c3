import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = `${ROOT}bin/tsible.js`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, as a user would from a shell (no TTY). */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: "1", ANSIBLE_NOCOLOR: "1", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Runs the built tsible CLI (`npm test` builds first). */
export function tsible(args: string[], opts: Parameters<typeof runProcess>[2] = {}): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], { ...opts, env: { ...ownRunLock(), ...opts.env } });
}

let runLocks = 0;
/**
 * A run lock of its own for each tsible started by a test (TSIBLE_LOCK_DIR, in the login user's
 * home on every host): test files run at once against this one machine, as the same users, and
 * would otherwise find each other's locks. test/engine/run-lock.test.ts passes "" for the default.
 */
export function ownRunLock(): { TSIBLE_LOCK_DIR: string } {
  return { TSIBLE_LOCK_DIR: `~/.tsible/test-${process.pid}-${++runLocks}.lock` };
}

/** The task statuses of a run, from the Ansible-shaped output: task label → host statuses. */
export function taskStatuses(output: string): Array<{ task: string; statuses: string[] }> {
  const tasks: Array<{ task: string; statuses: string[] }> = [];
  for (const line of output.split("\n")) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.*)\] \*+$/.exec(line);
    if (header) {
      tasks.push({ task: header[1]!, statuses: [] });
      continue;
    }
    const status = /^(ok|changed|skipping|fatal|failed): \[/.exec(line);
    if (status && tasks.length) tasks.at(-1)!.statuses.push(status[1]!);
  }
  return tasks;
}

/** Labels of the tasks that reported a change (any host, any item). */
export function changedTasks(output: string): string[] {
  return taskStatuses(output)
    .filter((t) => t.statuses.includes("changed"))
    .map((t) => t.task);
}

export function recapLines(output: string): string[] {
  const at = output.lastIndexOf("PLAY RECAP");
  if (at < 0) return [];
  return output
    .slice(at)
    .split("\n")
    .slice(1)
    .filter((l) => / : ok=/.test(l));
}

export interface RunningCli {
  /** Resolves once the combined output contains `text` (rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  signal(name: NodeJS.Signals): void;
  done: Promise<CliResult & { ms: number }>;
}

/** Starts the tsible CLI and lets a test act while it runs (send signals at a chosen moment). */
export function startTsible(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): RunningCli {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: "1", ANSIBLE_NOCOLOR: "1", ...ownRunLock(), ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  const onData = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    onData();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    onData();
  });
  const done = new Promise<CliResult & { ms: number }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started });
      onData();
    });
  });
  return {
    done,
    signal: (name) => child.kill(name),
    waitFor: (text, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const seen = () => {
          const all = stdout + stderr;
          return typeof text === "string" ? all.includes(text) : text.test(all);
        };
        const check = () => {
          if (seen()) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            resolve();
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            reject(new Error(`tsible exited before printing ${text}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`no ${text} within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      }),
  };
}
