import type { ExecResult } from "../connection/types.js";
import { commandFailed, runWords } from "./docker/cli.js";
import { CheckModeView } from "./docker/compose-check-view.js";
import {
  type ComposeLocation,
  type ComposeTool,
  detectCompose,
  parseHashes,
  projectNameFromConfigJson,
  v1ProjectName,
} from "./docker/compose-cli.js";
import { type ComposeEvent, parseComposeV1Events, parseComposeV2Events } from "./docker/compose-events.js";
import {
  type ComposeState,
  describePlan,
  type PlannedAction,
  planCompose,
  type RecreatePolicy,
} from "./docker/compose-plan.js";
import {
  containerChanges,
  type ProjectContainer,
  projectContainers,
  projectVolumes,
} from "./docker/containers.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface DockerComposeArgs {
  project_src: string;
  project_name?: string;
  /** Compose files, relative to project_src; compose's defaults when left out. */
  files?: string[];
  env_files?: string[];
  state?: ComposeState;
  pull?: "always" | "missing" | "never";
  services?: string[];
  remove_orphans?: boolean;
  /** Named volumes are only ever removed when this is written (state absent). */
  remove_volumes?: boolean;
  recreate?: RecreatePolicy;
  /** Waits until the containers run (and are healthy, when they have a health check). */
  wait?: boolean;
  wait_timeout?: number;
  /** Seconds containers get to stop. */
  timeout?: number;
}

const stringList = { type: "array", items: { type: "string", minLength: 1 } };

/**
 * Compose projects through the v2 plugin or, failing that, docker-compose v1. `changed` comes from the
 * containers themselves (ids, states, start times before and after); check mode compares `config --hash`
 * with the running containers' config-hash labels and touches nothing. When earlier tasks would have
 * written the project's files, check mode has compose read them as they would be (compose-check-view.ts).
 */
export const dockerCompose: ModuleDefinition<DockerComposeArgs> = {
  name: "docker_compose",
  aliases: ["docker_compose_v2"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["project_src"],
    properties: {
      project_src: { type: "string", minLength: 1 },
      project_name: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" },
      files: stringList,
      env_files: stringList,
      state: { enum: ["present", "absent", "stopped", "restarted"] },
      pull: { enum: ["always", "missing", "never"] },
      services: stringList,
      remove_orphans: { type: "boolean" },
      remove_volumes: { type: "boolean" },
      recreate: { enum: ["auto", "always", "never"] },
      wait: { type: "boolean" },
      wait_timeout: { type: "integer", minimum: 1 },
      timeout: { type: "integer", minimum: 0 },
    },
  },
  async run(ctx, args) {
    const tool = await detectCompose(ctx);
    if (!tool) {
      return {
        changed: false,
        failed: true,
        msg: "neither `docker compose` (v2 plugin) nor `docker-compose` (v1) works on this host",
      };
    }
    const envFiles = args.env_files ?? [];
    if (tool.major < 2 && envFiles.length > 1)
      return {
        changed: false,
        failed: true,
        msg: "docker-compose v1 reads a single env file; list one in env_files",
      };
    const project = new ComposeProject(ctx, tool, args);
    try {
      return await project.run();
    } finally {
      await project.view?.remove();
    }
  },
};

class ComposeProject {
  private readonly state: ComposeState;
  private readonly events: ComposeEvent[] = [];
  private name = "";
  /** Check mode, project files changed by earlier tasks: compose reads their staged copy. */
  view: CheckModeView | undefined;

  constructor(
    private readonly ctx: ModuleContext,
    private readonly tool: ComposeTool,
    private readonly args: DockerComposeArgs,
  ) {
    this.state = args.state ?? "present";
  }

  async run(): Promise<ModuleResult> {
    if (this.ctx.check) {
      const view = await CheckModeView.open(this.ctx, this.args);
      if (view instanceof CheckModeView) this.view = view;
      else if (view) return view;
    }
    this.name = this.args.project_name ?? (await this.discoverName());
    // `config --hash=*` names every service with its hash: one (slow, for v1) compose call for both
    const hashes = await this.configHashes();
    if (!(hashes instanceof Map)) return hashes;
    const known = [...hashes.keys()];
    const selected = this.args.services ?? [];
    const unknown = selected.filter((s) => !known.includes(s));
    if (unknown.length > 0)
      return {
        changed: false,
        failed: true,
        msg: `unknown services: ${unknown.join(", ")} (known: ${known.join(", ")})`,
      };

    const before = await projectContainers(this.ctx, this.name);
    const plan = planCompose({
      state: this.state,
      services: known,
      selected,
      hashes,
      containers: before,
      recreate: this.args.recreate ?? "auto",
      removeOrphans: this.args.remove_orphans ?? false,
    });
    const volumesBefore = this.removesVolumes() ? await projectVolumes(this.ctx, this.name) : [];
    if (this.ctx.check) {
      const inexact = this.view?.inexact;
      // a file change compose cannot evaluate exactly is still a change: never a false "ok"
      const changed = plan.length > 0 || volumesBefore.length > 0 || inexact !== undefined;
      const out = this.result(
        changed,
        before,
        plan,
        volumesBefore.map((v) => `volume ${v} removed`),
        before,
      );
      out.msg = inexact
        ? `check mode: predicted changed from the file change (${inexact}); ${describePlan(plan)}`
        : `check mode: ${describePlan(plan)}`;
      return out;
    }

    const applied = await this.apply(selected);
    if (applied) return applied;
    if (this.args.wait && this.state !== "absent" && this.state !== "stopped") {
      const waited = await this.waitUntilRunning(selected);
      if (waited) return waited;
    }
    const after = await projectContainers(this.ctx, this.name);
    const volumesAfter = this.removesVolumes() ? await projectVolumes(this.ctx, this.name) : [];
    const changes = [
      ...containerChanges(before, after),
      ...volumesBefore.filter((v) => !volumesAfter.includes(v)).map((v) => `volume ${v} removed`),
    ];
    return this.result(changes.length > 0, after, plan, changes, before);
  }

  private removesVolumes(): boolean {
    return (
      this.state === "absent" &&
      (this.args.remove_volumes ?? false) &&
      (this.args.services ?? []).length === 0
    );
  }

  /** Runs the commands the state asks for; returns a failure, or undefined when they worked. */
  private async apply(selected: string[]): Promise<ModuleResult | undefined> {
    const timeout = this.args.timeout === undefined ? [] : ["-t", String(this.args.timeout)];
    const steps: string[][] = [];
    if (this.state === "absent") {
      if (selected.length > 0)
        steps.push(["rm", "-s", "-f", ...(this.args.remove_volumes ? ["-v"] : []), ...selected]);
      else
        steps.push([
          "down",
          ...(this.args.remove_volumes ? ["--volumes"] : []),
          ...(this.args.remove_orphans ? ["--remove-orphans"] : []),
          ...timeout,
        ]);
    } else {
      if (this.args.pull === "always" && this.tool.major < 2) steps.push(["pull", ...selected]);
      const start = this.state === "stopped" ? ["--no-start"] : ["-d"];
      steps.push(["up", ...start, ...this.upOptions(), ...timeout, ...selected]);
      if (this.state === "stopped") steps.push(["stop", ...timeout, ...selected]);
      if (this.state === "restarted") steps.push(["restart", ...timeout, ...selected]);
    }
    for (const step of steps) {
      this.ctx.progress(`${this.tool.argv0.join(" ")} ${step[0]} (${this.name})`);
      const result = await this.compose(step);
      this.events.push(
        ...(this.tool.major >= 2 ? parseComposeV2Events : parseComposeV1Events)(result.stderr),
      );
      if (result.rc !== 0) return this.failed(`compose ${step[0]}`, result);
    }
    return undefined;
  }

  private upOptions(): string[] {
    const out: string[] = [];
    if (this.tool.major >= 2 && this.args.pull) out.push("--pull", this.args.pull);
    if (this.args.remove_orphans) out.push("--remove-orphans");
    if (this.args.recreate === "always") out.push("--force-recreate");
    if (this.args.recreate === "never") out.push("--no-recreate");
    return out;
  }

  private async waitUntilRunning(selected: string[]): Promise<ModuleResult | undefined> {
    const deadline = Date.now() + (this.args.wait_timeout ?? 60) * 1000;
    for (;;) {
      const containers = (await projectContainers(this.ctx, this.name)).filter(
        (c) => selected.length === 0 || selected.includes(c.service),
      );
      const notReady = containers.filter(
        (c) => c.state !== "running" || (c.health && c.health !== "healthy"),
      );
      const dead = notReady.filter(
        (c) => c.state === "exited" || c.state === "dead" || c.health === "unhealthy",
      );
      if (notReady.length === 0) return undefined;
      if (dead.length > 0 || Date.now() > deadline) {
        const what = notReady
          .map((c) => `${c.name} (${c.state}${c.health ? `, ${c.health}` : ""})`)
          .join(", ");
        return {
          changed: true,
          failed: true,
          msg: `${dead.length > 0 ? "containers stopped or unhealthy" : "timed out waiting"}: ${what}`,
          containers: containers.map(describeContainer),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async discoverName(): Promise<string> {
    if (this.tool.major >= 2) {
      const config = await this.compose(["config", "--format", "json"], false);
      const name = config.rc === 0 ? projectNameFromConfigJson(config.stdout) : undefined;
      if (name) return name;
    }
    return v1ProjectName(this.args.project_src);
  }

  private async configHashes(): Promise<Map<string, string> | ModuleResult> {
    const result = await this.compose(["config", "--hash=*"]);
    if (result.rc !== 0) return this.failed("compose config --hash", result);
    const hashes = parseHashes(result.stdout);
    if (!this.view) return hashes;
    const again = await this.view.relocatedHashes(hashes, (command, at) => this.compose(command, true, at));
    return again instanceof Map ? again : this.failed("compose config", again);
  }

  private compose(command: string[], withName = true, at?: ComposeLocation): Promise<ExecResult> {
    const where = at ??
      this.view?.location ?? {
        cwd: this.args.project_src,
        files: this.args.files ?? [],
        envFiles: this.args.env_files ?? [],
      };
    const global = [
      ...(withName && this.name ? ["-p", this.name] : []),
      ...where.files.flatMap((f) => ["-f", f]),
      ...where.envFiles.flatMap((f) => ["--env-file", f]),
    ];
    return runWords(this.ctx, [...this.tool.argv0, ...global, ...command], { cwd: where.cwd });
  }

  private failed(what: string, result: ExecResult): ModuleResult {
    // compose names the staged copy's paths: the operator knows the project's own
    const shown = this.view ? this.view.hostPaths(result) : result;
    return commandFailed(what, shown, { project_name: this.name, actions: this.events });
  }

  private result(
    changed: boolean,
    containers: ProjectContainer[],
    plan: PlannedAction[],
    changes: string[],
    before: ProjectContainer[],
  ): ModuleResult {
    const out: ModuleResult = {
      changed,
      project_name: this.name,
      compose_version: this.tool.version,
      containers: containers.map(describeContainer),
      planned: plan,
      changes,
      actions: this.events,
    };
    if (this.ctx.diff) {
      const predicted = plan.map((p) => `${p.container ?? p.service}: ${p.action}\n`).join("");
      out.diff = {
        before_header: `compose project ${this.name}`,
        after_header: `compose project ${this.name}`,
        before: listing(before),
        after: this.ctx.check ? predicted : listing(containers),
      };
    }
    return out;
  }
}

function describeContainer(c: ProjectContainer) {
  return {
    name: c.name,
    service: c.service,
    state: c.state,
    image: c.image,
    id: c.id,
    ...(c.health ? { health: c.health } : {}),
  };
}

function listing(containers: ProjectContainer[]): string {
  return containers.map((c) => `${c.name} (${c.service}): ${c.state}\n`).join("");
}
