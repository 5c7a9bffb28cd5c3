import { closeSync, openSync, writeSync } from "node:fs";
import type { RunEvent } from "../engine/events.js";
import { TsibleError } from "../errors.js";
import type { InteractiveRenderer } from "./interactive.js";
import { JsonRenderer, type Masker } from "./json.js";
import { LineRenderer, type Palette } from "./line.js";
import { PlanCollector } from "./plan.js";

/** What `--output` asked for: the human view (chosen from the terminal), and JSON lines. */
export interface OutputChoice {
  human: "auto" | "line" | "none";
  /** Where JSON events go: stdout, a file, or nowhere. */
  json: { to: "stdout" } | { to: "file"; path: string } | undefined;
}

/** `--output json`, `--output json=FILE`, `--output line`; absent: the terminal decides. */
export function parseOutputOption(value: string | undefined): OutputChoice {
  if (value === undefined || value === "auto") return { human: "auto", json: undefined };
  if (value === "line") return { human: "line", json: undefined };
  if (value === "json") return { human: "none", json: { to: "stdout" } };
  if (value.startsWith("json=") && value.length > 5)
    return { human: "auto", json: { to: "file", path: value.slice(5) } };
  throw new TsibleError(`unknown --output '${value}'`, {
    kind: "usage",
    hint: "use --output json (events on stdout), --output json=FILE (events to FILE) or --output line",
  });
}

/** The live view needs a real terminal that can move the cursor, and no CI log to keep clean. */
export function canRenderInteractive(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (!isTTY) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb" || env.TERM === undefined) return false;
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI !== "false") return false;
  return true;
}

export interface OutputTerminal {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export interface RunOutputOptions {
  output: string | undefined;
  term: OutputTerminal;
  verbosity: number;
  colors: Palette;
  secrets: Masker;
  /** Check mode: a plan of what would change follows each playbook's recap. */
  check: boolean;
}

/** Every renderer of a run behind one event sink. */
export interface RunOutput {
  handle(event: RunEvent): void;
  /** Waits for the live view to settle and closes the JSON file. */
  finish(): Promise<void>;
  /** Whether any host changed (in check mode: would change) in any playbook so far. */
  readonly changed: boolean;
}

export async function createRunOutput(opts: RunOutputOptions): Promise<RunOutput> {
  const choice = parseOutputOption(opts.output);
  const { term, secrets } = opts;
  const human = {
    write: (t: string) => term.out(secrets.mask(t)),
    warn: (t: string) => term.err(`${secrets.mask(t)}\n`),
  };
  let interactive: InteractiveRenderer | undefined;
  let line: LineRenderer | undefined;
  if (choice.human === "auto" && canRenderInteractive(term.isTTY, term.env)) {
    // listr2 is loaded only for a live terminal view: pipes, CI and --syntax-check never pay for it
    const { InteractiveRenderer } = await import("./interactive.js");
    interactive = new InteractiveRenderer(human, opts.verbosity, opts.colors);
  } else if (choice.human !== "none") line = new LineRenderer(human, opts.verbosity, opts.colors);

  let jsonFd: number | undefined;
  let json: JsonRenderer | undefined;
  if (choice.json?.to === "stdout") json = new JsonRenderer((l) => term.out(l), secrets);
  else if (choice.json?.to === "file") {
    const fd = openSync(choice.json.path, "w", 0o600);
    jsonFd = fd;
    json = new JsonRenderer((l) => writeSync(fd, l), secrets);
  }

  let plan = new PlanCollector();
  let changed = false;
  const writePlan = (text: string) => {
    if (interactive) interactive.writeLater(text);
    else if (line) human.write(text);
  };
  return {
    handle(event) {
      plan.handle(event);
      if (event.type === "playbook_end") {
        changed ||= plan.hasChanges;
        if (opts.check) {
          writePlan(plan.format(true));
          json?.writeRecord(planRecord(plan));
        }
        plan = new PlanCollector();
      }
      interactive?.handle(event);
      line?.handle(event);
      json?.handle(event);
    },
    async finish() {
      await interactive?.finish();
      if (jsonFd !== undefined) closeSync(jsonFd);
    },
    get changed() {
      return changed;
    },
  };
}

function planRecord(plan: PlanCollector): Record<string, unknown> {
  return {
    type: "plan",
    hosts: Object.fromEntries([...plan.byHost()].map(([host, changes]) => [host, changes])),
  };
}
