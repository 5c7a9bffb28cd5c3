import type { Connection } from "../connection/types.js";
import type { RunLockOptions } from "./run-lock-hooks.js";

export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** The per-host run lock (run-lock-hooks.ts); absent: no lock (--no-lock). */
  runLock?: RunLockOptions;
  limit?: string;
  /** --tags; empty means all. */
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, unknown>;
  forks: number;
  verbosity: number;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  remoteUser?: string;
  privateKey?: string;
  startAtTask?: string;
  /** --step: asked before each task; "continue" stops asking. */
  step?: (label: string) => Promise<"yes" | "no" | "continue">;
  /** Aborted when no new task, loop item or retry may start (the first Ctrl-C). */
  stop?: AbortSignal;
  /** Aborted when running commands must be killed (a second Ctrl-C, or the grace period ended). */
  signal?: AbortSignal;
  /** Opens the connection to a host; the CLI wires ssh and local here. */
  connect: (host: string, vars: Record<string, unknown>) => Promise<Connection>;
}

/** Ansible's tag rules: `always` runs unless skipped by name, `never` only when asked for. */
export function selectedByTags(
  taskTags: readonly string[],
  only: readonly string[],
  skip: readonly string[],
): boolean {
  const has = (t: string) => taskTags.includes(t);
  if (skip.some(has)) return false;
  if (skip.includes("tagged") && taskTags.length > 0) return false;
  if (skip.includes("untagged") && taskTags.length === 0) return false;
  if (only.length === 0 || (only.length === 1 && only[0] === "all")) return !has("never");
  if (has("always")) return true;
  if (only.some(has)) return true;
  if (has("never")) return false;
  if (only.includes("all")) return true;
  if (only.includes("tagged") && taskTags.length > 0) return true;
  if (only.includes("untagged") && taskTags.length === 0) return true;
  return false;
}
