import type { ModuleContext } from "../types.js";
import { docker, parseJson } from "./cli.js";

/** `docker network inspect` / `docker volume inspect` of one object, or undefined when it does not exist. */
export async function inspectObject<T>(
  ctx: ModuleContext,
  kind: "network" | "volume",
  name: string,
): Promise<{ found: T | undefined; error?: string }> {
  const result = await docker(ctx, [kind, "inspect", name]);
  if (result.rc !== 0) {
    if (/no such|not found/i.test(result.stderr)) return { found: undefined };
    return { found: undefined, error: result.stderr.trim() || `docker ${kind} inspect exited ${result.rc}` };
  }
  const list = parseJson<T[]>(result.stdout);
  return { found: list?.[0] };
}

/** A before/after diff naming one docker object's presence, for --diff. */
export function presenceDiff(kind: string, name: string, before: string, after: string) {
  return {
    before_header: `${kind} ${name}`,
    after_header: `${kind} ${name}`,
    before: `${before}\n`,
    after: `${after}\n`,
  };
}
