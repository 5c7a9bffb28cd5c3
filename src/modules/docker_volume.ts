import { commandFailed, docker, labelArgs, labelsInclude, optionArgs } from "./docker/cli.js";
import { type DockerObjectKind, manageDockerObject } from "./docker/objects.js";
import type { ModuleDefinition } from "./types.js";

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
}

const stringMap = { type: "object", additionalProperties: { type: "string" } };

const volumes: DockerObjectKind<DockerVolumeArgs, VolumeInspect> = {
  kind: "volume",
  differences: volumeDifferences,
  createArgs: (args) => [
    ...(args.driver ? ["--driver", args.driver] : []),
    ...labelArgs(args.labels),
    ...optionArgs(args.driver_options),
  ],
  summary: (found) => ({
    name: found.Name,
    driver: found.Driver,
    mountpoint: found.Mountpoint,
    labels: found.Labels ?? {},
    options: found.Options ?? {},
  }),
  mayRecreate: (args) => args.recreate ?? false,
  recreateHint: "recreate: true would delete its data",
  async remove(ctx, found) {
    const removed = await docker(ctx, ["volume", "rm", found.Name]);
    return removed.rc === 0 ? undefined : commandFailed(`docker volume rm ${found.Name}`, removed);
  },
};

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
  run: (ctx, args) => manageDockerObject(ctx, args, volumes),
};

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
