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
