import { envPrefix, shellJoin } from "../../connection/quote.js";
import type { ExecResult } from "../../connection/types.js";
import type { ModuleContext, ModuleResult } from "../types.js";

export interface DockerRunOptions {
  /** Environment for the command, set in the command line itself (ssh refuses most env requests). */
  env?: Record<string, string>;
  /** Standard input: how secrets reach the command. */
  stdin?: string;
  cwd?: string;
}

/** Runs `docker <args>` on the host, each word quoted. */
export function docker(ctx: ModuleContext, args: string[], opts: DockerRunOptions = {}): Promise<ExecResult> {
  return runWords(ctx, ["docker", ...args], opts);
}

/** Runs an argument vector on the host through ctx.exec, with env set inside the command line. */
export function runWords(
  ctx: ModuleContext,
  words: string[],
  opts: DockerRunOptions = {},
): Promise<ExecResult> {
  const cd = opts.cwd === undefined ? "" : `cd -- ${shellJoin([opts.cwd])} && `;
  const command = `${cd}${envPrefix(opts.env)}${shellJoin(words)}`;
  return ctx.exec(command, opts.stdin === undefined ? {} : { stdin: opts.stdin });
}

/** The failed result for a command that did not work: Ansible's shape, with the tool's own words. */
export function commandFailed(
  what: string,
  result: ExecResult,
  extra: Record<string, unknown> = {},
): ModuleResult {
  const detail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-5).join("\n");
  return {
    changed: false,
    failed: true,
    msg: `${what} failed (rc ${result.rc})${detail ? `: ${detail}` : ""}`,
    rc: result.rc,
    stdout: result.stdout,
    stderr: result.stderr,
    ...extra,
  };
}

/** Parses one JSON document a docker command printed, or undefined when it printed nothing usable. */
export function parseJson<T>(text: string): T | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  try {
    return JSON.parse(trimmed) as T;
  } catch {
    return undefined;
  }
}

/** True when every `wanted` label is present with the same value; other labels (from other tools) are fine. */
export function labelsInclude(
  actual: Record<string, string> | null | undefined,
  wanted: Record<string, string>,
) {
  return Object.entries(wanted).every(([key, value]) => actual?.[key] === value);
}

/** `--label k=v` words for a create command. */
export function labelArgs(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).flatMap(([key, value]) => ["--label", `${key}=${value}`]);
}

/** `--opt k=v` words for driver options. */
export function optionArgs(options: Record<string, string> | undefined): string[] {
  return Object.entries(options ?? {}).flatMap(([key, value]) => ["--opt", `${key}=${value}`]);
}
