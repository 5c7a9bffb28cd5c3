import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { TsibleError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import type { LoadOptions } from "../load/context.js";
import { readVarsFile } from "../load/files.js";
import type { Playbook, PlaySpec } from "../load/model.js";
import { renderValue } from "../vars/index.js";
import type { SecretRegistry } from "../vault/index.js";
import type { EventSink } from "./events.js";
import { HostState } from "./host.js";
import type { RunOptions } from "./options.js";
import { PlayRun, type RunContext } from "./play-run.js";
import { runLockHooks } from "./run-lock-hooks.js";
import { LayeredScope } from "./scope.js";
import { checkNotifies, flushHandlers, runList } from "./strategy.js";

/** ansible-playbook's exit codes. */
export const EXIT = { ok: 0, error: 1, hostFailed: 2, unreachable: 4, interrupted: 99 } as const;

export interface RunInput {
  playbook: Playbook;
  inventory: Inventory;
  options: RunOptions;
  emit: EventSink;
  secrets: SecretRegistry;
  loadOptions: LoadOptions;
}

/** Runs every play of a playbook and returns ansible-playbook's exit code. */
export async function runPlaybook(input: RunInput): Promise<number> {
  const { options } = input;
  const run: RunContext = {
    ...input,
    hosts: new Map(),
    stopping: () => Boolean(options.stop?.aborted || options.signal?.aborted),
    startReached: options.startAtTask === undefined,
  };
  run.connectionHooks = runLockHooks(run);
  input.emit({ type: "playbook_start", file: input.playbook.file, check: options.check });
  try {
    for (const play of input.playbook.plays) {
      if (run.stopping()) break;
      await runPlay(run, play);
    }
  } finally {
    await Promise.all([...run.hosts.values()].map((h) => h.close().catch(() => {})));
  }
  const interrupted = run.stopping();
  input.emit({ type: "recap", stats: new Map([...run.hosts].map(([n, h]) => [n, h.stats])), interrupted });
  const states = [...run.hosts.values()];
  const code = interrupted
    ? EXIT.interrupted
    : states.some((h) => h.unreachable)
      ? EXIT.unreachable
      : states.some((h) => h.failed)
        ? EXIT.hostFailed
        : EXIT.ok;
  input.emit({ type: "playbook_end", exitCode: code });
  return code;
}

function hostState(run: RunContext, name: string): HostState {
  let state = run.hosts.get(name);
  if (!state) {
    state = new HostState(name, run.inventory.hostVars(name), run.connectionHooks);
    run.hosts.set(name, state);
  }
  return state;
}

/** The play's hosts: its pattern, narrowed by --limit, minus hosts that failed earlier. */
function playHosts(run: RunContext, play: PlaySpec): string[] {
  const pattern = String(
    renderValue(play.hosts, new LayeredScope([play.vars, run.options.extraVars]), play.location),
  );
  let names = run.inventory.match(pattern);
  if (run.options.limit) {
    const allowed = new Set(run.inventory.match(run.options.limit));
    names = names.filter((n) => allowed.has(n));
  }
  return names.filter((n) => {
    const state = run.hosts.get(n);
    return !state || (!state.failed && !state.unreachable);
  });
}

async function runPlay(run: RunContext, play: PlaySpec): Promise<void> {
  const names = playHosts(run, play);
  if (names.length === 0) {
    run.emit({ type: "no_hosts", play: play.name, pattern: String(play.hosts) });
    return;
  }
  const playRun = new PlayRun(run, play, loadPlayVars(run, play));
  playRun.allHosts = names;
  checkNotifies(playRun, [...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers]);
  run.emit({ type: "play_start", name: play.name, hosts: names });
  const hosts = names.map((n) => hostState(run, n));
  for (const batch of batches(hosts, play, playRun)) {
    playRun.batch = batch.map((h) => h.name);
    for (const h of batch) h.endedPlay = false;
    for (const section of [play.preTasks, play.tasks, play.postTasks]) {
      if (run.stopping()) return;
      const failed = await runList(playRun, section, batch);
      for (const h of failed) h.failed = true;
      for (const h of await flushHandlers(playRun, batch)) h.failed = true;
    }
  }
}

/** `serial`: a number, a percentage, or a list of them (the last repeats). */
function batches(hosts: HostState[], play: PlaySpec, playRun: PlayRun): HostState[][] {
  if (play.serial === undefined) return [hosts];
  const spec = renderValue(play.serial, playRun.scopeFor(hosts[0]!, undefined), play.location);
  const sizes = (Array.isArray(spec) ? spec : [spec]).map((s) => {
    const text = String(s).trim();
    const n = text.endsWith("%") ? Math.ceil((hosts.length * Number(text.slice(0, -1))) / 100) : Number(text);
    if (!Number.isFinite(n) || n < 0) {
      throw new TsibleError(`serial: cannot read '${text}'`, { kind: "parse", location: play.location });
    }
    return n === 0 ? hosts.length : Math.max(1, n);
  });
  const out: HostState[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)]!;
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}

/** Play vars plus each vars_files file (names may use play and extra vars). */
function loadPlayVars(run: RunContext, play: PlaySpec): Record<string, unknown> {
  const vars: Record<string, unknown> = { ...play.vars };
  const scope = new LayeredScope([play.vars, run.options.extraVars]);
  for (const entry of play.varsFiles) {
    // a list entry means "the first of these files that exists", as in Ansible
    const candidates = (Array.isArray(entry) ? entry : [entry]).map((e) =>
      String(renderValue(e, scope, play.location)),
    );
    const paths = candidates.map((c) => (isAbsolute(c) ? c : join(run.playbook.dir, c)));
    const loaded = paths
      .map((p) => (existsSync(p) ? readVarsFile(p, run.loadOptions.decrypt) : undefined))
      .find(Boolean);
    if (!loaded) {
      throw new TsibleError(`vars_files: ${candidates.join(", ")} not found`, {
        kind: "parse",
        location: play.location,
      });
    }
    Object.assign(vars, loaded);
  }
  return vars;
}
