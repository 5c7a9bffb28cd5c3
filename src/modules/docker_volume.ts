import { commandFailed, docker, labelArgs, labelsInclude, optionArgs } from "./docker/cli.js";
import { inspectObject, presenceDiff } from "./docker/objects.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface DockerVolumeArgs {
  name: string;
  state?: "present" | "absent" | "info";
  driver?: string;
  labels?: Record<string, string>;
  driver_options?: Record<string, string>;
  /** present: remove and create again a volume whose settings differ, which DESTROYS its data. */
  recreate?: boolean;
}

interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  CreatedAt?: string;
}

const stringMap = { type: "object", additionalProperties: { type: "string" } };

/** Docker volumes; an existing volume (one made by compose, such as PostgreSQL's) is kept when it has what was asked. */
export const dockerVolume: ModuleDefinition<DockerVolumeArgs> = {
  name: "docker_volume",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      name: { type: "string", minLength: 1 },
      state: { enum: ["present", "absent", "info"] },
      driver: { type: "string", minLength: 1 },
      labels: stringMap,
      driver_options: stringMap,
      recreate: { type: "boolean" },
    },
  },
  async run(ctx, args) {
    const { found, error } = await inspectObject<VolumeInspect>(ctx, "volume", args.name);
    if (error) return { changed: false, failed: true, msg: error };
    const state = args.state ?? "present";
    if (state === "info") return { changed: false, exists: found !== undefined, volume: summary(found) };
    if (state === "absent") return remove(ctx, args.name, found);
    return ensure(ctx, args, found);
  },
};

async function ensure(ctx: ModuleContext, args: DockerVolumeArgs, found: VolumeInspect | undefined) {
  const differences = found ? volumeDifferences(found, args) : [];
  if (found && differences.length === 0) return { changed: false, exists: true, volume: summary(found) };
  if (found && !args.recreate) {
    return {
      changed: false,
      failed: true,
      msg: `volume ${args.name} exists with other settings: ${differences.join("; ")}; recreate: true would delete its data`,
      differences,
      volume: summary(found),
    };
  }
  const diff = presenceDiff("volume", args.name, found ? "present (other settings)" : "absent", "present");
  if (ctx.check)
    return { changed: true, exists: found !== undefined, differences, ...(ctx.diff ? { diff } : {}) };
  if (found) {
    const removed = await docker(ctx, ["volume", "rm", args.name]);
    if (removed.rc !== 0) return commandFailed(`docker volume rm ${args.name}`, removed);
  }
  const createArgs = [
    ...(args.driver ? ["--driver", args.driver] : []),
    ...labelArgs(args.labels),
    ...optionArgs(args.driver_options),
  ];
  const created = await docker(ctx, ["volume", "create", ...createArgs, args.name]);
  if (created.rc !== 0) return commandFailed(`docker volume create ${args.name}`, created);
  const after = await inspectObject<VolumeInspect>(ctx, "volume", args.name);
  return {
    changed: true,
    exists: true,
    differences,
    volume: summary(after.found),
    ...(ctx.diff ? { diff } : {}),
  };
}

async function remove(
  ctx: ModuleContext,
  name: string,
  found: VolumeInspect | undefined,
): Promise<ModuleResult> {
  if (!found) return { changed: false, exists: false };
  const diff = ctx.diff ? { diff: presenceDiff("volume", name, "present", "absent") } : {};
  if (ctx.check) return { changed: true, exists: true, ...diff };
  const removed = await docker(ctx, ["volume", "rm", name]);
  if (removed.rc !== 0) return commandFailed(`docker volume rm ${name}`, removed);
  return { changed: true, exists: false, ...diff };
}

/** What differs between an existing volume and the settings written in the task. */
export function volumeDifferences(found: VolumeInspect, args: DockerVolumeArgs): string[] {
  const out: string[] = [];
  if (args.driver !== undefined && found.Driver !== args.driver)
    out.push(`driver is ${found.Driver}, not ${args.driver}`);
  if (args.labels && !labelsInclude(found.Labels, args.labels)) out.push("labels differ");
  if (args.driver_options && !labelsInclude(found.Options, args.driver_options))
    out.push("driver options differ");
  return out;
}

function summary(found: VolumeInspect | undefined) {
  if (!found) return undefined;
  return {
    name: found.Name,
    driver: found.Driver,
    mountpoint: found.Mountpoint,
    labels: found.Labels ?? {},
    options: found.Options ?? {},
  };
}
