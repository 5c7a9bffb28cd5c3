import type { ModuleContext, ModuleResult } from "../types.js";
import { commandFailed, docker, parseJson } from "./cli.js";

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

/** How one kind of docker object (network, volume) is compared, created and removed. */
export interface DockerObjectKind<A extends DockerObjectArgs, I> {
  kind: "network" | "volume";
  /** What differs between the existing object and the settings written in the task. */
  differences(found: I, args: A): string[];
  createArgs(args: A): string[];
  summary(found: I): Record<string, unknown>;
  /** Whether differing settings may be fixed by removing and creating the object again. */
  mayRecreate(args: A): boolean;
  /** Said when differing settings are left alone. */
  recreateHint: string;
  /** Removes the object; returns a failure, or undefined when it is gone. */
  remove(ctx: ModuleContext, found: I, args: A): Promise<ModuleResult | undefined>;
}

export interface DockerObjectArgs {
  name: string;
  state?: "present" | "absent" | "info";
}

/**
 * present / absent / info for a named docker object. An existing object is accepted when it has what
 * the task writes (other labels and settings are left alone: external networks, compose's volumes).
 */
export async function manageDockerObject<A extends DockerObjectArgs, I>(
  ctx: ModuleContext,
  args: A,
  spec: DockerObjectKind<A, I>,
): Promise<ModuleResult> {
  const { found, error } = await inspectObject<I>(ctx, spec.kind, args.name);
  if (error) return { changed: false, failed: true, msg: error };
  const report = (object: I | undefined) =>
    object === undefined ? {} : { [spec.kind]: spec.summary(object) };
  const state = args.state ?? "present";
  if (state === "info") return { changed: false, exists: found !== undefined, ...report(found) };
  const withDiff = (before: string, after: string) =>
    ctx.diff ? { diff: presenceDiff(spec.kind, args.name, before, after) } : {};

  if (state === "absent") {
    if (found === undefined) return { changed: false, exists: false };
    if (ctx.check) return { changed: true, exists: true, ...withDiff("present", "absent") };
    const failed = await spec.remove(ctx, found, args);
    return failed ?? { changed: true, exists: false, ...withDiff("present", "absent") };
  }

  const differences = found === undefined ? [] : spec.differences(found, args);
  if (found !== undefined && differences.length === 0)
    return { changed: false, exists: true, ...report(found) };
  if (found !== undefined && !spec.mayRecreate(args)) {
    return {
      changed: false,
      failed: true,
      msg: `${spec.kind} ${args.name} exists with other settings: ${differences.join("; ")}; ${spec.recreateHint}`,
      differences,
      ...report(found),
    };
  }
  const diff = withDiff(found === undefined ? "absent" : "present (other settings)", "present");
  if (ctx.check) return { changed: true, exists: found !== undefined, differences, ...diff };
  if (found !== undefined) {
    const failed = await spec.remove(ctx, found, args);
    if (failed) return failed;
  }
  const created = await docker(ctx, [spec.kind, "create", ...spec.createArgs(args), args.name]);
  if (created.rc !== 0) return commandFailed(`docker ${spec.kind} create ${args.name}`, created);
  const after = await inspectObject<I>(ctx, spec.kind, args.name);
  return { changed: true, exists: true, differences, ...report(after.found), ...diff };
}
