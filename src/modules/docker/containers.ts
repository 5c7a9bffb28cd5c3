import type { ModuleContext } from "../types.js";
import { docker, parseJson } from "./cli.js";

/** One container of a compose project, as the engine reports it. */
export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  /** created, running, exited, paused, restarting, dead */
  state: string;
  health: string | undefined;
  image: string;
  configHash: string | undefined;
  startedAt: string;
}

interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Image: string; Labels: Record<string, string> | null };
  State: { Status: string; StartedAt: string; Health?: { Status: string } };
}

export const PROJECT_LABEL = "com.docker.compose.project";

/** The project's containers (one-off `run` containers left out), read with `docker ps` and `docker inspect`. */
export async function projectContainers(ctx: ModuleContext, project: string): Promise<ProjectContainer[]> {
  const ids = await docker(ctx, [
    "ps",
    "-a",
    "-q",
    "--no-trunc",
    "--filter",
    `label=${PROJECT_LABEL}=${project}`,
  ]);
  if (ids.rc !== 0) throw new Error(`docker ps failed: ${ids.stderr.trim()}`);
  const list = ids.stdout.split("\n").filter((id) => id.trim() !== "");
  if (list.length === 0) return [];
  const inspected = await docker(ctx, ["inspect", ...list]);
  // a container removed between the two commands makes inspect fail for it; the others are still printed
  const found = parseJson<ContainerInspect[]>(inspected.stdout) ?? [];
  return found
    .filter((c) => c.Config.Labels?.["com.docker.compose.oneoff"] !== "True")
    .map((c) => ({
      id: c.Id,
      name: c.Name.replace(/^\//, ""),
      service: c.Config.Labels?.["com.docker.compose.service"] ?? "",
      state: c.State.Status,
      health: c.State.Health?.Status,
      image: c.Config.Image,
      configHash: c.Config.Labels?.["com.docker.compose.config-hash"],
      startedAt: c.State.StartedAt,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The project's named volumes (compose labels them with the project). */
export async function projectVolumes(ctx: ModuleContext, project: string): Promise<string[]> {
  const result = await docker(ctx, ["volume", "ls", "-q", "--filter", `label=${PROJECT_LABEL}=${project}`]);
  return result.rc === 0 ? result.stdout.split("\n").filter((v) => v.trim() !== "") : [];
}

/** What changed between two looks at the same project: containers created, removed, started, stopped or restarted. */
export function containerChanges(before: ProjectContainer[], after: ProjectContainer[]): string[] {
  const old = new Map(before.map((c) => [c.id, c]));
  const now = new Map(after.map((c) => [c.id, c]));
  const changes: string[] = [];
  for (const c of after) {
    const was = old.get(c.id);
    if (!was) changes.push(`${c.name} created`);
    else if (was.state !== c.state) changes.push(`${c.name} ${was.state} -> ${c.state}`);
    else if (was.startedAt !== c.startedAt) changes.push(`${c.name} restarted`);
  }
  for (const c of before) if (!now.has(c.id)) changes.push(`${c.name} removed`);
  return changes;
}
