import type { HostResultEvent, RunEvent } from "../engine/events.js";
import { formatRecapLine } from "../engine/stats.js";
import type { FileDiff } from "../modules/types.js";
import { pyJson } from "./py-json.js";
import { unifiedDiff } from "./unified-diff.js";

export interface LineOutput {
  write(text: string): void;
  warn(text: string): void;
}

export interface Palette {
  ok(text: string): string;
  changed(text: string): string;
  failed(text: string): string;
  skipped(text: string): string;
  unreachable(text: string): string;
  warn(text: string): string;
  diffAdd(text: string): string;
  diffDel(text: string): string;
  diffHunk(text: string): string;
}

export const plainPalette: Palette = {
  ok: (t) => t,
  changed: (t) => t,
  failed: (t) => t,
  skipped: (t) => t,
  unreachable: (t) => t,
  warn: (t) => t,
  diffAdd: (t) => t,
  diffDel: (t) => t,
  diffHunk: (t) => t,
};

const WIDTH = 80;

export function banner(text: string): string {
  return `\n${text} ${"*".repeat(Math.max(3, WIDTH - text.length - 1))}`;
}

/** Keys Ansible leaves out of what it prints. */
const HIDDEN = new Set(["invocation", "_ansible_no_log", "_ansible_verbose_always", "diff"]);

/** The plain, Ansible-shaped output (the default callback's format), for CI logs and pipes. */
export class LineRenderer {
  constructor(
    private readonly out: LineOutput,
    private readonly verbosity: number,
    private readonly colors: Palette = plainPalette,
  ) {}

  handle = (event: RunEvent): void => {
    switch (event.type) {
      case "play_start":
        this.out.write(`${banner(`PLAY [${event.name}]`)}\n`);
        break;
      case "no_hosts":
        this.out.warn(
          this.colors.warn(`[WARNING]: Could not match supplied host pattern, ignoring: ${event.pattern}`),
        );
        this.out.write(`${banner(`PLAY [${event.play}]`)}\nskipping: no hosts matched\n`);
        break;
      case "task_start":
        this.out.write(`${banner(`${event.handler ? "RUNNING HANDLER" : "TASK"} [${event.label}]`)}\n`);
        break;
      case "host_result":
        this.hostResult(event);
        break;
      case "include":
        this.out.write(`included: ${event.file} for ${event.host}\n`);
        break;
      case "warning":
        this.out.warn(this.colors.warn(`[WARNING]: ${event.message}`));
        break;
      case "progress":
        if (this.verbosity >= 1) this.out.write(`  [${event.host}] ${event.message}\n`);
        break;
      case "recap":
        this.out.write(`${banner("PLAY RECAP")}\n`);
        for (const [host, stats] of event.stats) this.out.write(`${this.colorRecap(host, stats)}\n`);
        this.out.write("\n");
        if (event.interrupted) this.out.warn("[ERROR]: User interrupted execution");
        break;
      default:
        break;
    }
  };

  private colorRecap(host: string, stats: Parameters<typeof formatRecapLine>[1]): string {
    const line = formatRecapLine(host, stats);
    if (stats.failed || stats.unreachable) return this.colors.failed(line);
    if (stats.changed) return this.colors.changed(line);
    return this.colors.ok(line);
  }

  private hostResult(e: HostResultEvent): void {
    if (e.diff) for (const d of e.diff) this.out.write(formatDiff(d, this.colors));
    const who = e.delegatedTo ? `[${e.host} -> ${e.delegatedTo}]` : `[${e.host}]`;
    const item = e.item !== undefined ? ` (item=${e.item})` : "";
    if (e.loopSummary) {
      // the items said how each went; an interrupted loop also says that the rest never ran
      if (e.result.interrupted === true)
        this.out.write(
          `${this.colors.failed(`fatal: ${who}: FAILED! => ${pyJson({ changed: e.result.changed, msg: e.result.msg })}`)}\n`,
        );
      if (e.ignored) this.out.write(`${this.colors.skipped("...ignoring")}\n`);
      return;
    }
    const details = this.details(e);
    switch (e.status) {
      case "ok":
      case "changed": {
        const paint = e.status === "ok" ? this.colors.ok : this.colors.changed;
        const itemPart = item ? ` =>${item}` : "";
        this.out.write(`${paint(`${e.status}: ${who}${itemPart}${details ? ` => ${details}` : ""}`)}\n`);
        break;
      }
      case "skipped":
        this.out.write(`${this.colors.skipped(`skipping: ${who}${item ? ` =>${item} ` : ""}`)}\n`);
        break;
      case "unreachable":
        this.out.write(
          `${this.colors.unreachable(`fatal: ${who}: UNREACHABLE! => ${pyJson(clean(e.result))}`)}\n`,
        );
        break;
      case "failed": {
        const body = pyJson(clean(e.result));
        const line = item ? `failed: ${who}${item} => ${body}` : `fatal: ${who}: FAILED! => ${body}`;
        this.out.write(`${this.colors.failed(line)}\n`);
        if (e.ignored) this.out.write(`${this.colors.skipped("...ignoring")}\n`);
        break;
      }
    }
  }

  /** What follows `=>`: debug's message always, everything at -v. */
  private details(e: HostResultEvent): string | undefined {
    const isDebug = e.module === "debug" || e.result._ansible_verbose_always === true;
    if (e.noLog) return this.verbosity > 0 ? pyJson(clean(e.result), 4) : undefined;
    if (isDebug && (e.verbosity ?? 0) <= this.verbosity) {
      const shown = clean(e.result);
      delete shown.changed;
      if (e.item !== undefined) {
        delete shown[String(e.result.ansible_loop_var ?? "item")];
        delete shown.ansible_loop_var;
      }
      return pyJson(shown, 4);
    }
    if (this.verbosity > 0) return pyJson(clean(e.result), 4);
    return undefined;
  }
}

function clean(result: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) if (!HIDDEN.has(k) && v !== undefined) out[k] = v;
  return out;
}

/** Ansible's diff block: headers, hunks, then a blank line. */
export function formatDiff(d: FileDiff, colors: Palette): string {
  const text = (v: unknown) => (typeof v === "string" ? v : v === undefined ? "" : `${pyJson(v, 4)}\n`);
  const before = text(d.before);
  const after = text(d.after);
  if (before === after) return "";
  const lines = [
    colors.diffDel(`--- before${d.before_header ? `: ${d.before_header}` : ""}`),
    colors.diffAdd(`+++ after${d.after_header ? `: ${d.after_header}` : ""}`),
  ];
  for (const line of unifiedDiff(before, after).split("\n")) {
    if (line.startsWith("@@")) lines.push(colors.diffHunk(line));
    else if (line.startsWith("+")) lines.push(colors.diffAdd(line));
    else if (line.startsWith("-")) lines.push(colors.diffDel(line));
    else lines.push(line);
  }
  return `${lines.join("\n")}\n\n`;
}
