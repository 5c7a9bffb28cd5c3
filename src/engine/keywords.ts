import type { BecomeSpec } from "../connection/types.js";
import type { InheritedKeywords, TaskNode } from "../load/model.js";
import { renderValue } from "../vars/index.js";
import type { RunOptions } from "./options.js";
import type { LayeredScope } from "./scope.js";

/** A task's keywords after inheritance (play < role < block < task) and rendering. */
export interface EffectiveKeywords {
  check: boolean;
  diff: boolean;
  noLog: boolean;
  ignoreErrors: boolean;
  ignoreUnreachable: boolean;
  runOnce: boolean;
  anyErrorsFatal: boolean;
  become: BecomeSpec | undefined;
  delegateTo: string | undefined;
  environment: Record<string, string> | undefined;
}

export function toBool(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return ["yes", "true", "on", "1", "y"].includes(value.trim().toLowerCase());
  return Boolean(value);
}

export function effectiveKeywords(
  node: TaskNode,
  scope: LayeredScope,
  options: RunOptions,
): EffectiveKeywords {
  const merged: InheritedKeywords = { ...node.parent.keywords, ...node.keywords };
  const render = (value: unknown): unknown => renderValue(value, scope, node.location);
  const flag = (value: unknown, fallback: boolean) =>
    value === undefined ? fallback : toBool(render(value));
  // inventory's ansible_become* variables are the defaults, as in Ansible; keywords and -b win
  const varBecome = scope.has("ansible_become") ? toBool(scope.get("ansible_become")) : false;
  const becomeOn = flag(merged.become, options.become || varBecome);
  const becomeUser =
    merged.become_user !== undefined
      ? String(render(merged.become_user))
      : (options.becomeUser ??
        (scope.has("ansible_become_user") ? String(scope.get("ansible_become_user")) : undefined));
  const varPassword = scope.has("ansible_become_password")
    ? scope.get("ansible_become_password")
    : scope.has("ansible_become_pass")
      ? scope.get("ansible_become_pass")
      : undefined;
  const becomePassword =
    options.becomePassword ?? (varPassword !== undefined ? String(varPassword) : undefined);
  // a task's environment adds to (and overrides) what its play or block exports
  const outer = node.parent.keywords.environment;
  const own = node.keywords.environment;
  const environment =
    isMapping(outer) && isMapping(own)
      ? { ...(render(outer) as object), ...(render(own) as object) }
      : merged.environment !== undefined
        ? render(merged.environment)
        : undefined;
  return {
    check: flag(merged.check_mode, options.check),
    diff: flag(merged.diff, options.diff),
    noLog: flag(merged.no_log, false),
    ignoreErrors: flag(merged.ignore_errors, false),
    ignoreUnreachable: flag(merged.ignore_unreachable, false),
    runOnce: flag(merged.run_once, false),
    anyErrorsFatal: flag(merged.any_errors_fatal, false),
    become: becomeOn
      ? {
          user: becomeUser ?? "root",
          method: "sudo",
          ...(becomePassword !== undefined ? { password: becomePassword } : {}),
          ...(merged.become_flags !== undefined ? { flags: String(render(merged.become_flags)) } : {}),
        }
      : undefined,
    delegateTo: merged.delegate_to !== undefined ? String(render(merged.delegate_to)) : undefined,
    environment:
      environment && typeof environment === "object" && !Array.isArray(environment)
        ? Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)]))
        : undefined,
  };
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
