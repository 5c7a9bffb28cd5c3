import { isAbsolute, join } from "node:path";
import { isTsibleError, TsibleError } from "../errors.js";
import type { BlockSpec, IncludeSpec, MetaSpec, TaskNode, TaskSpec } from "../load/model.js";
import { loadRoleInto } from "../load/roles.js";
import { loadTaskFile } from "../load/tasks.js";
import { evaluateCondition, renderValue } from "../vars/index.js";
import type { HostState } from "./host.js";
import { loopItems, loopVariables } from "./loop.js";
import { selectedByTags } from "./options.js";
import type { PlayRun } from "./play-run.js";
import { runPool } from "./pool.js";
import { runTaskOnHost, type TaskOutcome } from "./task-runner.js";

/**
 * The linear strategy: each task runs on every active host (up to --forks at once) before the
 * next task starts. Returns the hosts that failed in this list; they take no part in the rest
 * of it, and the caller decides whether a rescue catches them.
 */
export async function runList(play: PlayRun, nodes: TaskNode[], hosts: HostState[]): Promise<Set<HostState>> {
  const failed = new Set<HostState>();
  for (const node of nodes) {
    if (play.run.stopping()) break;
    const active = hosts.filter((h) => h.active && !failed.has(h));
    if (active.length === 0) break;
    let newlyFailed: Set<HostState>;
    switch (node.type) {
      case "task":
        newlyFailed = await runTask(play, node, active, false);
        break;
      case "block":
        newlyFailed = await runBlock(play, node, active);
        break;
      case "include_tasks":
      case "include_role":
        newlyFailed = await runInclude(play, node, active);
        break;
      case "meta":
        newlyFailed = await runMeta(play, node, active);
        break;
    }
    for (const h of newlyFailed) failed.add(h);
    if (newlyFailed.size > 0 && failsEveryone(play, node)) {
      for (const h of hosts) if (h.active) failed.add(h);
      break;
    }
  }
  return failed;
}

function failsEveryone(play: PlayRun, node: TaskNode): boolean {
  if (play.play.anyErrorsFatal) return true;
  const flag = node.keywords.any_errors_fatal ?? node.parent.keywords.any_errors_fatal;
  return flag === true || flag === "true" || flag === "yes";
}

/** Tags of a node with everything it inherits. */
function nodeTags(play: PlayRun, node: TaskNode): string[] {
  return [...play.play.tags, ...node.parent.tags, ...node.tags];
}

export async function runTask(
  play: PlayRun,
  task: TaskSpec,
  hosts: HostState[],
  handler: boolean,
): Promise<Set<HostState>> {
  const failed = new Set<HostState>();
  if (!handler && !selectedByTags(nodeTags(play, task), play.options.tags, play.options.skipTags))
    return failed;
  if (!handler && !play.startReached(task)) return failed;
  if (!handler && !(await play.stepAllows(task, hosts[0]))) return failed;
  play.run.emit({
    type: "task_start",
    name: task.name ?? task.moduleName,
    label: play.taskLabel(task, hosts[0]),
    handler,
    location: task.location,
    hosts: hosts.map((h) => h.name),
  });
  const runOnce = isRunOnce(task);
  const targets = runOnce ? hosts.slice(0, 1) : hosts;
  await runPool(
    targets,
    Math.min(play.options.forks, throttleOf(play, task, hosts)),
    async (host) => {
      const outcome = await runTaskOnHost(play, task, host);
      record(host, outcome);
      if (runOnce) {
        for (const other of hosts.slice(1)) {
          if (task.register) other.facts[task.register] = outcome.result;
          const facts = outcome.result.ansible_facts;
          if (facts && typeof facts === "object") Object.assign(other.facts, facts);
        }
      }
      if (outcome.status === "failed" && !outcome.ignored) {
        failed.add(host);
        // what a rescue section reads, as in Ansible
        host.facts.ansible_failed_task = { name: task.name ?? task.moduleName, action: task.module.name };
        host.facts.ansible_failed_result = outcome.result;
      }
      if (outcome.status === "unreachable") host.unreachable = true;
    },
    play.run.stopping,
  );
  return failed;
}

/** `throttle:` caps how many hosts run this task at once (below --forks). */
function throttleOf(play: PlayRun, task: TaskSpec, hosts: HostState[]): number {
  const raw = task.keywords.throttle ?? task.parent.keywords.throttle;
  if (raw === undefined || hosts.length === 0) return Number.POSITIVE_INFINITY;
  const n = Number(renderValue(raw, play.scopeFor(hosts[0]!, task), task.location));
  return Number.isFinite(n) && n > 0 ? n : Number.POSITIVE_INFINITY;
}

function isRunOnce(task: TaskSpec): boolean {
  const flag = task.keywords.run_once ?? task.parent.keywords.run_once;
  return flag === true || flag === "true" || flag === "yes";
}

/** Counts a task outcome in the host's recap, as Ansible does. */
function record(host: HostState, outcome: TaskOutcome): void {
  const s = host.stats;
  switch (outcome.status) {
    case "ok":
      s.ok++;
      break;
    case "changed":
      s.ok++;
      s.changed++;
      break;
    case "skipped":
      s.skipped++;
      break;
    case "unreachable":
      s.unreachable++;
      break;
    case "failed":
      if (outcome.ignored) {
        s.ok++;
        s.ignored++;
        if (outcome.result.changed) s.changed++;
      } else s.failed++;
      break;
  }
}

async function runBlock(play: PlayRun, block: BlockSpec, hosts: HostState[]): Promise<Set<HostState>> {
  let failed = await runList(play, block.block, hosts);
  if (block.rescue.length > 0 && failed.size > 0) {
    const rescuing = [...failed].filter((h) => !h.unreachable);
    for (const h of rescuing) {
      h.stats.failed--;
      h.stats.rescued++;
      play.run.emit({ type: "host_rescued", host: h.name });
    }
    failed = await runList(play, block.rescue, rescuing);
  }
  if (block.always.length > 0) {
    const always = await runList(
      play,
      block.always,
      hosts.filter((h) => !h.unreachable && !h.endedPlay),
    );
    for (const h of always) failed.add(h);
  }
  return failed;
}

async function runMeta(play: PlayRun, meta: MetaSpec, hosts: HostState[]): Promise<Set<HostState>> {
  const failed = new Set<HostState>();
  const applies = hosts.filter((h) =>
    [...meta.parent.when, ...meta.when].every((c) =>
      evaluateCondition(c as string, play.scopeFor(h, meta), meta.location),
    ),
  );
  switch (meta.action) {
    case "flush_handlers":
      await flushHandlers(play, hosts);
      break;
    case "end_host":
      for (const h of applies) h.endedPlay = true;
      break;
    case "end_play":
    case "end_batch":
      if (applies.length > 0) for (const h of hosts) h.endedPlay = true;
      break;
    case "clear_host_errors":
      for (const h of play.run.hosts.values()) h.failed = false;
      break;
    default:
      break;
  }
  return failed;
}

/** include_tasks / include_role: the file is chosen per host at run time; hosts that chose the same run together. */
async function runInclude(play: PlayRun, node: IncludeSpec, hosts: HostState[]): Promise<Set<HostState>> {
  const failed = new Set<HostState>();
  if (!selectedByTags(nodeTags(play, node), play.options.tags, play.options.skipTags)) return failed;
  play.run.emit({
    type: "task_start",
    name: node.name ?? node.type,
    label: play.taskLabel(node, hosts[0]),
    handler: false,
    location: node.location,
    hosts: hosts.map((h) => h.name),
  });
  const groups = new Map<
    string,
    { hosts: HostState[]; target: string; vars: Record<string, unknown>; options: Record<string, unknown> }
  >();
  for (const host of hosts) {
    try {
      const scope = play.scopeFor(host, node);
      const items =
        node.loop === undefined
          ? [undefined]
          : loopItems(node.loop, node.loopKind ?? "loop", scope, node.location);
      const control = (node.loopControl ?? {}) as Record<string, unknown>;
      let included = false;
      items.forEach((_, i) => {
        const vars = node.loop === undefined ? {} : loopVariables(items, i, control);
        const itemScope = scope.with(vars);
        const ok = [...node.parent.when, ...node.when].every((c) =>
          evaluateCondition(c as string, itemScope, node.location),
        );
        if (!ok) return;
        included = true;
        const target = String(renderValue(node.target, itemScope, node.location));
        // include_role options (tasks_from, vars_from…) may be templated too
        const options = renderValue(node.options, itemScope, node.location) as Record<string, unknown>;
        const key = `${target}\0${JSON.stringify(vars)}\0${JSON.stringify(options)}`;
        const group = groups.get(key) ?? { hosts: [], target, vars, options };
        group.hosts.push(host);
        groups.set(key, group);
      });
      if (!included) {
        host.stats.skipped++;
        play.run.emit({
          type: "host_result",
          host: host.name,
          task: play.taskLabel(node),
          status: "skipped",
          result: { changed: false, skipped: true, skip_reason: "Conditional result was False" },
        });
      }
    } catch (err) {
      reportFailure(play, node, host, err);
      failed.add(host);
    }
  }
  for (const group of groups.values()) {
    let nodes: TaskNode[];
    const parent = {
      ...node.parent,
      vars: [...node.parent.vars, node.vars, group.vars],
    };
    const ctx = {
      options: play.run.loadOptions,
      playbookDir: play.run.playbook.dir,
      file: node.location.file,
      baseDir: node.baseDir,
      parent,
      play: { roles: play.play.roles, handlers: play.play.handlers },
      importing: [],
    };
    try {
      if (node.type === "include_role") {
        nodes = loadRoleInto(group.target, group.options, ctx, parent, node.location);
      } else {
        const path = isAbsolute(group.target) ? group.target : join(node.baseDir, group.target);
        nodes = loadTaskFile(path, ctx, parent, node.parent.role ? node.baseDir : undefined);
      }
    } catch (err) {
      for (const h of group.hosts) {
        reportFailure(play, node, h, err);
        failed.add(h);
      }
      continue;
    }
    if (node.type === "include_tasks") {
      // Ansible reports an include_tasks as ok for each host (an include_role is not counted)
      const shown = isAbsolute(group.target) ? group.target : join(node.baseDir, group.target);
      for (const h of group.hosts) {
        h.stats.ok++;
        play.run.emit({ type: "include", host: h.name, file: shown });
      }
    }
    for (const h of await runList(play, nodes, group.hosts)) failed.add(h);
  }
  return failed;
}

function reportFailure(play: PlayRun, node: TaskNode, host: HostState, err: unknown): void {
  const msg = isTsibleError(err) ? err.describe() : err instanceof Error ? err.message : String(err);
  host.stats.failed++;
  play.run.emit({
    type: "host_result",
    host: host.name,
    task: play.taskLabel(node),
    status: "failed",
    result: { failed: true, msg: play.run.secrets.mask(msg) },
  });
}

/** Runs notified handlers, in the order they are defined, on the hosts that notified them. */
export async function flushHandlers(play: PlayRun, hosts: HostState[]): Promise<Set<HostState>> {
  const failed = new Set<HostState>();
  for (let round = 0; round < 10; round++) {
    const pending = hosts.filter((h) => h.notified.size > 0 && (h.active || play.play.forceHandlers));
    if (pending.length === 0) break;
    for (const handler of play.play.handlers) {
      // an interrupt starts nothing new, handlers included (README: what is not promised)
      if (play.run.stopping()) return failed;
      if (handler.type !== "task") continue;
      const names = handlerNames(handler);
      const targets = pending.filter(
        (h) => names.some((n) => h.notified.has(n)) && (h.active || play.play.forceHandlers),
      );
      if (targets.length === 0) continue;
      for (const h of targets) for (const n of names) h.notified.delete(n);
      for (const h of await runTask(play, handler, targets, true)) failed.add(h);
    }
    for (const h of pending) h.notified.clear();
  }
  return failed;
}

export function handlerNames(handler: TaskSpec): string[] {
  const names = [...handler.listen];
  if (handler.name) {
    names.push(handler.name);
    if (handler.parent.role) names.push(`${handler.parent.role.name} : ${handler.name}`);
  }
  return names;
}

/** Every notify in the play must name a handler (or a listen topic); checked before the play runs. */
export function checkNotifies(play: PlayRun, nodes: TaskNode[]): void {
  const known = new Set(play.play.handlers.flatMap((h) => (h.type === "task" ? handlerNames(h) : [])));
  const visit = (list: TaskNode[]) => {
    for (const node of list) {
      if (node.type === "block") {
        visit(node.block);
        visit(node.rescue);
        visit(node.always);
      } else if (node.type === "task") {
        for (const name of node.notify) {
          if (name.includes("{{") || known.has(name)) continue;
          throw new TsibleError(`notify names a handler that does not exist: '${name}'`, {
            kind: "parse",
            location: node.location,
            hint: known.size ? `handlers: ${[...known].join(", ")}` : "this play defines no handlers",
          });
        }
      }
    }
  };
  visit(nodes);
}
