import type { HostResultEvent, RunEvent } from "../engine/events.js";
import { banner } from "./line.js";

/** One change a check run predicts for a host. */
export interface PlannedChange {
  task: string;
  /** What it touches: "file /etc/x", "directory /srv", "container web", or the task alone. */
  target: string | undefined;
  /** The state it would reach, when the module says (`present`, `directory`, `absent`...). */
  state: string | undefined;
}

/**
 * Collects the changed host results of a run (in check mode: what would change) per host, and
 * prints them as a plan after the recap. Only masked event data is used.
 */
export class PlanCollector {
  private readonly changes = new Map<string, PlannedChange[]>();

  handle = (event: RunEvent): void => {
    if (event.type === "play_start") for (const h of event.hosts) this.hostEntry(h);
    if (event.type !== "host_result" || event.status !== "changed" || event.loopSummary) return;
    this.hostEntry(event.host).push(describeChange(event));
  };

  /** True when any host has (or would have) changed. */
  get hasChanges(): boolean {
    return [...this.changes.values()].some((c) => c.length > 0);
  }

  byHost(): ReadonlyMap<string, readonly PlannedChange[]> {
    return this.changes;
  }

  /** The plan as text, in the line renderer's style. */
  format(check: boolean): string {
    const lines = [banner(check ? "PLAN (check mode: nothing was changed)" : "CHANGES")];
    for (const [host, changes] of this.changes) {
      if (changes.length === 0) {
        lines.push(`${host}: no changes`);
        continue;
      }
      lines.push(`${host}: ${changes.length} ${check ? "would change" : "changed"}`);
      for (const c of changes) {
        const what = [c.target, c.state ? `(${c.state})` : undefined].filter(Boolean).join(" ");
        lines.push(`  ~ ${c.task}${what ? `: ${what}` : ""}`);
      }
    }
    return `${lines.join("\n")}\n\n`;
  }

  private hostEntry(host: string): PlannedChange[] {
    let entry = this.changes.get(host);
    if (!entry) {
      entry = [];
      this.changes.set(host, entry);
    }
    return entry;
  }
}

/** Reads the usual result keys of file, copy, template, docker and service modules. */
export function describeChange(event: HostResultEvent): PlannedChange {
  const r = event.result;
  const text = (key: string): string | undefined => {
    const v = r[key];
    return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
  };
  const state = text("state");
  const path = text("dest") ?? text("path") ?? diffPath(event);
  const task = event.item !== undefined ? `${event.task} (item=${event.item})` : event.task;
  if (path) {
    const kind = state === "directory" ? "directory" : state === "link" ? "link" : "file";
    return { task, target: `${kind} ${path}`, state: state && state !== kind ? state : undefined };
  }
  const container = text("container") ?? text("container_name");
  if (container) return { task, target: `container ${container}`, state };
  const project = text("project_name") ?? text("project_src");
  if (project) return { task, target: `compose ${project}`, state };
  const named = text("network") ?? text("volume") ?? text("service") ?? text("name");
  return { task, target: named, state };
}

function diffPath(event: HostResultEvent): string | undefined {
  for (const d of event.diff ?? []) {
    const header = d.after_header ?? d.before_header;
    if (header?.startsWith("/")) return header;
  }
  return undefined;
}

/** `--exit-code-on-changes`: changes are pending (check) or were made; distinct from every failure code. */
export const EXIT_CHANGES = 10;
