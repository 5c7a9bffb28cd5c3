import { isTsibleError, TsibleError } from "../errors.js";
import type { TaskSpec } from "../load/model.js";
import type { ModuleResult } from "../modules/types.js";
import { evaluateCondition, OMIT, renderValue, toText } from "../vars/index.js";
import { connectionVars } from "./connection-vars.js";
import type { HostResultEvent, HostStatus } from "./events.js";
import type { HostState } from "./host.js";
import { type EffectiveKeywords, effectiveKeywords } from "./keywords.js";
import { loopItems, loopVariables } from "./loop.js";
import { callModule } from "./module-call.js";
import type { PlayRun } from "./play-run.js";
import type { LayeredScope } from "./scope.js";

const NO_LOG_MESSAGE =
  "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

export interface TaskOutcome {
  status: HostStatus;
  ignored: boolean;
  result: Record<string, unknown>;
}

/** Runs one task on one host: conditions, loop, retries, result checks, register, notify. */
export async function runTaskOnHost(play: PlayRun, task: TaskSpec, host: HostState): Promise<TaskOutcome> {
  const scope = play.scopeFor(host, task);
  let keywords: EffectiveKeywords;
  try {
    keywords = effectiveKeywords(task, scope, play.options);
  } catch (err) {
    return finish(play, task, host, failure(err), undefined);
  }
  if (keywords.become?.password) play.run.secrets.add(keywords.become.password);
  const conditions = [...task.parent.when, ...task.when];
  let outcome: TaskOutcome;
  try {
    if (task.loop !== undefined) {
      outcome = await runLoop(play, task, host, scope, keywords, conditions);
    } else if (!conditionsHold(conditions, scope, task)) {
      outcome = { status: "skipped", ignored: false, result: skippedResult("Conditional result was False") };
    } else {
      outcome = await runOnce(play, task, host, scope, keywords);
    }
  } catch (err) {
    outcome = failure(err);
  }
  return finish(play, task, host, outcome, keywords);
}

function conditionsHold(conditions: unknown[], scope: LayeredScope, task: TaskSpec): boolean {
  return conditions.every((c) => evaluateCondition(c as string, scope, task.location));
}

function skippedResult(reason: string): Record<string, unknown> {
  return { changed: false, skipped: true, skip_reason: reason, false_condition: undefined };
}

function failure(err: unknown): TaskOutcome {
  if (isTsibleError(err) && err.kind === "connection") {
    return {
      status: "unreachable",
      ignored: false,
      result: { unreachable: true, changed: false, msg: err.describe() },
    };
  }
  const msg = isTsibleError(err) ? err.describe() : err instanceof Error ? err.message : String(err);
  return { status: "failed", ignored: false, result: { failed: true, changed: false, msg } };
}

/** Registers the result, applies no_log and ignore_errors, queues handlers, emits the event. */
function finish(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  outcome: TaskOutcome,
  keywords: EffectiveKeywords | undefined,
): TaskOutcome {
  if (outcome.status === "failed" && keywords?.ignoreErrors) outcome.ignored = true;
  if (outcome.status === "unreachable" && keywords?.ignoreUnreachable) {
    outcome = { status: "failed", ignored: true, result: outcome.result };
  }
  if (task.register) host.facts[task.register] = outcome.result;
  const facts = outcome.result.ansible_facts;
  if (facts && typeof facts === "object" && outcome.status !== "failed") Object.assign(host.facts, facts);
  if (outcome.status === "changed")
    for (const name of task.notify) host.notified.add(renderNotify(play, host, name));
  // a loop's items were reported one by one; an empty loop still gets its `skipping:` line
  const results = outcome.result.results;
  const isLoop = Array.isArray(results) && results.length > 0 && task.loop !== undefined;
  emitResult(play, task, host, outcome, keywords, isLoop ? { loopSummary: true } : {});
  return outcome;
}

function renderNotify(play: PlayRun, host: HostState, name: string): string {
  if (!name.includes("{{")) return name;
  return String(renderValue(name, play.scopeFor(host, undefined), undefined));
}

function emitResult(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  outcome: TaskOutcome,
  keywords: EffectiveKeywords | undefined,
  extra: Partial<HostResultEvent>,
): void {
  const noLog = keywords?.noLog ?? false;
  const shown = noLog
    ? censored(outcome.result)
    : (play.run.secrets.maskDeep(outcome.result) as Record<string, unknown>);
  const diffs = !noLog && keywords?.diff ? collectDiffs(outcome.result) : undefined;
  play.run.emit({
    type: "host_result",
    host: host.name,
    task: play.taskLabel(task),
    module: task.module.name,
    status: outcome.status,
    result: shown,
    ...(outcome.ignored ? { ignored: true } : {}),
    ...(diffs?.length ? { diff: play.run.secrets.maskDeep(diffs) as HostResultEvent["diff"] } : {}),
    ...(noLog ? { noLog: true } : {}),
    ...(keywords?.delegateTo ? { delegatedTo: keywords.delegateTo } : {}),
    ...extra,
    // a loop item's label may hold the secret itself: Ansible shows (item=None) under no_log
    ...(noLog && extra.item !== undefined ? { item: "None" } : {}),
  });
}

function censored(result: Record<string, unknown>): Record<string, unknown> {
  return { censored: NO_LOG_MESSAGE, changed: Boolean(result.changed) };
}

function collectDiffs(result: Record<string, unknown>): HostResultEvent["diff"] {
  const diff = result.diff;
  if (!diff) return undefined;
  return (Array.isArray(diff) ? diff : [diff]) as HostResultEvent["diff"];
}

async function runLoop(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  scope: LayeredScope,
  keywords: EffectiveKeywords,
  conditions: unknown[],
): Promise<TaskOutcome> {
  const items = loopItems(task.loop, task.loopKind ?? "loop", scope, task.location);
  // the label refers to the item, so it is rendered per item (itemLabel); the rest once here
  const { label: _label, ...controlSpec } = task.loopControl ?? {};
  const control = (renderValue(controlSpec, scope, task.location) ?? {}) as Record<string, unknown>;
  const results: Record<string, unknown>[] = [];
  if (items.length === 0) {
    return {
      status: "skipped",
      ignored: false,
      result: { ...skippedResult("No items in the list"), results },
    };
  }
  const loopVar = typeof control.loop_var === "string" ? control.loop_var : "item";
  const pauseMs = Number(control.pause ?? 0) * 1000;
  let stoppedAt: number | undefined;
  for (let i = 0; i < items.length; i++) {
    // an interrupt lets the running item finish; the next one does not start
    if (i > 0 && (play.run.stopping() || (pauseMs > 0 && (await waitUnlessStopped(play, pauseMs))))) {
      stoppedAt = i;
      break;
    }
    const itemScope = scope.with(loopVariables(items, i, control), task.location);
    const label = itemLabel(itemScope, items[i], task);
    let outcome: TaskOutcome;
    try {
      if (!conditionsHold(conditions, itemScope, task)) {
        outcome = {
          status: "skipped",
          ignored: false,
          result: skippedResult("Conditional result was False"),
        };
      } else {
        outcome = await runOnce(play, task, host, itemScope, keywords);
      }
    } catch (err) {
      outcome = failure(err);
    }
    if (outcome.status === "failed" && keywords.ignoreErrors) outcome.ignored = true;
    const result = { ...outcome.result, [loopVar]: items[i], ansible_loop_var: loopVar };
    // set_fact in a loop: each item sets its facts at once (later items and tasks see the last)
    const itemFacts = outcome.result.ansible_facts;
    if (itemFacts && typeof itemFacts === "object" && outcome.status !== "failed")
      Object.assign(host.facts, itemFacts);
    results.push(result);
    emitResult(play, task, host, { ...outcome, result }, keywords, { item: label });
    if (outcome.status === "unreachable") break;
  }
  const changed = results.some((r) => r.changed === true);
  const failed = stoppedAt !== undefined || results.some((r) => r.failed === true);
  const skipped = !failed && results.every((r) => r.skipped === true);
  // an item that lost the host ends the loop and the host's part in the play, as a task would
  const unreachable = results.some((r) => r.unreachable === true);
  const status: HostStatus = unreachable
    ? "unreachable"
    : failed
      ? "failed"
      : skipped
        ? "skipped"
        : changed
          ? "changed"
          : "ok";
  const summary: Record<string, unknown> = {
    changed,
    results,
    msg:
      stoppedAt !== undefined
        ? `interrupted after ${stoppedAt} of ${items.length} items`
        : failed
          ? "One or more items failed"
          : "All items completed",
  };
  if (failed) summary.failed = true;
  if (stoppedAt !== undefined) summary.interrupted = true;
  if (unreachable) summary.unreachable = true;
  if (skipped) summary.skipped = true;
  return { status, ignored: false, result: summary };
}

/** Sleeps `ms`, or less if the run is told to stop meanwhile; true when it was. */
async function waitUnlessStopped(play: PlayRun, ms: number): Promise<boolean> {
  const signals = [play.options.stop, play.options.signal].filter((s): s is AbortSignal => s !== undefined);
  if (signals.some((s) => s.aborted)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener("abort", done, { once: true });
  });
  return play.run.stopping();
}

function itemLabel(scope: LayeredScope, item: unknown, task: TaskSpec): string {
  const raw = task.loopControl?.label;
  const value = raw !== undefined ? renderValue(raw, scope, task.location) : item;
  return toText(value);
}

/** One module call with retries (`until`), then changed_when / failed_when. */
async function runOnce(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  scope: LayeredScope,
  keywords: EffectiveKeywords,
): Promise<TaskOutcome> {
  const args = renderArgs(task, scope);
  const conn = task.module.controllerOnly ? undefined : await connectionFor(play, host, keywords);
  const settings = {
    check: keywords.check,
    diff: keywords.diff,
    become: keywords.become,
    environment: keywords.environment,
    signal: play.options.signal ?? new AbortController().signal,
  };
  const retries = task.until !== undefined ? Math.max(0, Number(renderValue(task.retries ?? 3, scope))) : 0;
  const delayMs = Number(renderValue(task.delay ?? 5, scope)) * 1000;
  let result: ModuleResult;
  let attempt = 0;
  for (;;) {
    attempt++;
    result = await callModule(play, task, host, scope, args, conn, settings);
    if (keywords.noLog) {
      for (const v of secretsOf(result)) play.run.secrets.add(v);
    }
    result = applyResultConditions(task, scope, result);
    if (task.until === undefined) break;
    const resultScope = scope.with(task.register ? { [task.register]: result } : {});
    // a skipped call (check mode) cannot be retried into success: take it as it is
    if (result.skipped) break;
    if (conditionsHold([task.until], resultScope.with(result as Record<string, unknown>), task)) break;
    if (attempt > retries) {
      result = { ...result, failed: true, attempts: attempt, msg: result.msg ?? "Retries exhausted" };
      break;
    }
    result.attempts = attempt;
    if (play.run.stopping() || (delayMs > 0 && (await waitUnlessStopped(play, delayMs)))) {
      result = { ...result, failed: true, msg: "interrupted while waiting to retry" };
      break;
    }
  }
  const status: HostStatus = result.failed
    ? "failed"
    : result.skipped
      ? "skipped"
      : result.changed
        ? "changed"
        : "ok";
  return { status, ignored: false, result: { ...result, changed: Boolean(result.changed) } };
}

function secretsOf(result: ModuleResult): string[] {
  const out: string[] = [];
  for (const key of ["stdout", "stderr", "content"]) {
    const value = result[key];
    if (typeof value === "string" && value.trim().length >= 4) out.push(value.trim());
  }
  return out;
}

/** Renders `{{ }}` in the arguments (except the module's raw ones) and drops `omit`ted keys. */
function renderArgs(task: TaskSpec, scope: LayeredScope): Record<string, unknown> {
  const raw = (task.args ?? {}) as Record<string, unknown>;
  const keep = new Set(task.module.rawArgs ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const rendered = keep.has(key) ? value : renderValue(value, scope, task.location);
    if (rendered === OMIT) continue;
    out[key] = dropOmitted(rendered);
  }
  return out;
}

function dropOmitted(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== OMIT).map(dropOmitted);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== OMIT) out[k] = dropOmitted(v);
    return out;
  }
  return value;
}

/** changed_when / failed_when see the result under the register name, as in Ansible. */
function applyResultConditions(task: TaskSpec, scope: LayeredScope, result: ModuleResult): ModuleResult {
  if (task.changedWhen === undefined && task.failedWhen === undefined) return result;
  const resultScope = scope
    .with(task.register ? { [task.register]: result } : {})
    .with(result as Record<string, unknown>);
  const out = { ...result };
  if (task.changedWhen !== undefined)
    out.changed = conditionsHold(asList(task.changedWhen), resultScope, task);
  if (task.failedWhen !== undefined) {
    out.failed = conditionsHold(asList(task.failedWhen), resultScope, task);
    out.failed_when_result = out.failed;
    if (!out.failed && out.msg === "non-zero return code") delete out.msg;
  }
  return out;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

async function connectionFor(play: PlayRun, host: HostState, keywords: EffectiveKeywords) {
  if (keywords.delegateTo && keywords.delegateTo !== host.name) {
    const target = play.run.hosts.get(keywords.delegateTo);
    if (target) return target.connect(() => play.options.connect(target.name, target.inventoryVars));
    if (keywords.delegateTo === "localhost" || keywords.delegateTo === "127.0.0.1") {
      return play.options.connect("localhost", { ansible_connection: "local" });
    }
    throw new TsibleError(`delegate_to: unknown host '${keywords.delegateTo}'`, { kind: "module" });
  }
  return host.connect(() => play.options.connect(host.name, connectionVars(play.scopeFor(host, undefined))));
}
