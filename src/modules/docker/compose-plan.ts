import type { ProjectContainer } from "./containers.js";

export type ComposeState = "present" | "absent" | "stopped" | "restarted";
export type RecreatePolicy = "auto" | "always" | "never";

export interface PlannedAction {
  service: string;
  /** The container acted on; absent for one that does not exist yet. */
  container?: string;
  action: "create" | "recreate" | "start" | "stop" | "restart" | "remove";
}

export interface PlanInput {
  state: ComposeState;
  /** Every service of the project's configuration. */
  services: string[];
  /** The services the task names; all of `services` when empty. */
  selected: string[];
  /** `config --hash` of each service: what its containers' config-hash label must be. */
  hashes: Map<string, string>;
  containers: ProjectContainer[];
  recreate: RecreatePolicy;
  removeOrphans: boolean;
}

/**
 * Predicts, without touching anything, what compose will do to the containers: the check-mode answer,
 * and the list reported beside the real outcome.
 */
export function planCompose(input: PlanInput): PlannedAction[] {
  const targets = input.selected.length > 0 ? input.selected : input.services;
  const plan: PlannedAction[] = [];
  if (input.state === "absent") {
    for (const c of input.containers) {
      if (input.selected.length === 0 || input.selected.includes(c.service))
        plan.push({ service: c.service, container: c.name, action: "remove" });
    }
    return plan;
  }
  for (const service of targets) {
    const own = input.containers.filter((c) => c.service === service);
    if (own.length === 0) {
      plan.push({ service, action: "create" });
      if (input.state === "restarted") plan.push({ service, action: "start" });
      continue;
    }
    for (const c of own) {
      const outdated = c.configHash !== input.hashes.get(service);
      const recreate = input.recreate === "always" || (input.recreate === "auto" && outdated);
      const base = { service, container: c.name };
      if (recreate) plan.push({ ...base, action: "recreate" });
      if (input.state === "present" && !recreate && c.state !== "running")
        plan.push({ ...base, action: "start" });
      if (input.state === "stopped" && c.state === "running") plan.push({ ...base, action: "stop" });
      if (input.state === "restarted") plan.push({ ...base, action: "restart" });
    }
  }
  if (input.removeOrphans && input.state !== "stopped") {
    for (const c of input.containers) {
      if (!input.services.includes(c.service))
        plan.push({ service: c.service, container: c.name, action: "remove" });
    }
  }
  return plan;
}

/** The plan in a line for check mode's message: `would create web, db; would recreate app_web_1`. */
export function describePlan(plan: PlannedAction[]): string {
  if (plan.length === 0) return "nothing to do";
  const byAction = new Map<PlannedAction["action"], string[]>();
  for (const p of plan) {
    const names = byAction.get(p.action) ?? [];
    names.push(p.container ?? p.service);
    byAction.set(p.action, names);
  }
  return [...byAction].map(([action, names]) => `would ${action} ${names.join(", ")}`).join("; ");
}
