import { commandFailed, docker, labelArgs, labelsInclude, optionArgs } from "./docker/cli.js";
import { type DockerObjectKind, manageDockerObject } from "./docker/objects.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface DockerNetworkArgs {
  name: string;
  state?: "present" | "absent" | "info";
  driver?: string;
  labels?: Record<string, string>;
  driver_options?: Record<string, string>;
  internal?: boolean;
  attachable?: boolean;
  subnet?: string;
  gateway?: string;
  /** present: recreate a network whose settings differ; absent: disconnect its containers first. */
  force?: boolean;
}

interface NetworkInspect {
  Name: string;
  Id: string;
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Containers?: Record<string, { Name: string }> | null;
}

const stringMap = { type: "object", additionalProperties: { type: "string" } };

/** Docker networks; an existing network (an external one such as Traefik's) is accepted when it has what was asked. */
export const dockerNetwork: ModuleDefinition<DockerNetworkArgs> = {
  name: "docker_network",
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
      internal: { type: "boolean" },
      attachable: { type: "boolean" },
      subnet: { type: "string" },
      gateway: { type: "string" },
      force: { type: "boolean" },
    },
  },
  run: (ctx, args) => manageDockerObject(ctx, args, networks),
};

const networks: DockerObjectKind<DockerNetworkArgs, NetworkInspect> = {
  kind: "network",
  differences: networkDifferences,
  createArgs,
  summary,
  mayRecreate: (args) => args.force ?? false,
  recreateHint: "set force: true to recreate it",
  remove: (ctx, found, args) => removeNetwork(ctx, found, args.force ?? false),
};

/** Removes a network, disconnecting its containers first when `force`; returns a failure or undefined. */
async function removeNetwork(
  ctx: ModuleContext,
  network: NetworkInspect,
  force: boolean,
): Promise<ModuleResult | undefined> {
  const attached = Object.values(network.Containers ?? {}).map((c) => c.Name);
  if (attached.length > 0 && !force) {
    return {
      changed: false,
      failed: true,
      msg: `network ${network.Name} is in use by ${attached.join(", ")}; set force: true to disconnect them`,
    };
  }
  for (const container of attached) {
    const result = await docker(ctx, ["network", "disconnect", "--force", network.Name, container]);
    if (result.rc !== 0)
      return commandFailed(`docker network disconnect ${network.Name} ${container}`, result);
  }
  const result = await docker(ctx, ["network", "rm", network.Name]);
  return result.rc === 0 ? undefined : commandFailed(`docker network rm ${network.Name}`, result);
}

function createArgs(args: DockerNetworkArgs): string[] {
  return [
    ...(args.driver ? ["--driver", args.driver] : []),
    ...(args.internal ? ["--internal"] : []),
    ...(args.attachable ? ["--attachable"] : []),
    ...(args.subnet ? ["--subnet", args.subnet] : []),
    ...(args.gateway ? ["--gateway", args.gateway] : []),
    ...labelArgs(args.labels),
    ...optionArgs(args.driver_options),
  ];
}

/** What differs between an existing network and the settings written in the task (unwritten ones do not count). */
export function networkDifferences(found: NetworkInspect, args: DockerNetworkArgs): string[] {
  const out: string[] = [];
  if (args.driver !== undefined && found.Driver !== args.driver)
    out.push(`driver is ${found.Driver}, not ${args.driver}`);
  if (args.internal !== undefined && found.Internal !== args.internal)
    out.push(`internal is ${found.Internal}, not ${args.internal}`);
  if (args.attachable !== undefined && found.Attachable !== args.attachable)
    out.push(`attachable is ${found.Attachable}, not ${args.attachable}`);
  if (args.labels && !labelsInclude(found.Labels, args.labels)) out.push("labels differ");
  if (args.driver_options && !labelsInclude(found.Options, args.driver_options))
    out.push("driver options differ");
  const configs = found.IPAM?.Config ?? [];
  if (args.subnet !== undefined && !configs.some((c) => c.Subnet === args.subnet))
    out.push(`subnet ${args.subnet} is not configured`);
  if (args.gateway !== undefined && !configs.some((c) => c.Gateway === args.gateway))
    out.push(`gateway ${args.gateway} is not configured`);
  return out;
}

function summary(found: NetworkInspect) {
  return {
    name: found.Name,
    id: found.Id,
    driver: found.Driver,
    internal: found.Internal,
    attachable: found.Attachable,
    labels: found.Labels ?? {},
    options: found.Options ?? {},
    subnets: (found.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => s !== undefined),
    containers: Object.values(found.Containers ?? {}).map((c) => c.Name),
  };
}
