import type { RunEvent } from "../engine/events.js";
import type { HostStats } from "../engine/stats.js";

/** Bumped when a field changes meaning or disappears; new fields keep the version. */
export const JSON_OUTPUT_VERSION = 1;

/** The run's secret registry, as far as output needs it. */
export interface Masker {
  mask(text: string): string;
  maskDeep<T>(value: T): T;
}

/**
 * `--output json`: one JSON object per line for every run event, with `v` (format version),
 * `type` and `time` (ISO 8601). Values pass through the secret mask once more before they are
 * written, so a secret that reached an event by another path (a warning, a task name) is hidden.
 */
export class JsonRenderer {
  constructor(
    private readonly writeLine: (line: string) => void,
    private readonly secrets: Masker,
    private readonly now: () => Date = () => new Date(),
  ) {}

  handle = (event: RunEvent): void => {
    const body = jsonEvent(event);
    if (body) this.writeRecord(body);
  };

  /** Writes one record (an event, or the check-mode plan) with the version and time. */
  writeRecord(body: Record<string, unknown>): void {
    const record = { v: JSON_OUTPUT_VERSION, time: this.now().toISOString(), ...this.secrets.maskDeep(body) };
    // the text is masked too: values that are not plain data are serialised, not walked
    this.writeLine(`${this.secrets.mask(JSON.stringify(record))}\n`);
  }
}

/** The documented JSON shape of one event (docs/output.md), or undefined for internal events. */
export function jsonEvent(event: RunEvent): Record<string, unknown> | undefined {
  switch (event.type) {
    case "playbook_start":
      return { type: "playbook_start", file: event.file, check: event.check };
    case "play_start":
      return { type: "play_start", name: event.name, hosts: event.hosts };
    case "no_hosts":
      return { type: "no_hosts", play: event.play, pattern: event.pattern };
    case "task_start":
      return {
        type: "task_start",
        name: event.name,
        label: event.label,
        handler: event.handler,
        hosts: event.hosts,
        ...(event.location ? { location: event.location } : {}),
      };
    case "host_result":
      return {
        type: "host_result",
        host: event.host,
        task: event.task,
        status: event.status,
        changed: event.status === "changed",
        failed: event.status === "failed" || event.status === "unreachable",
        ...(event.item !== undefined ? { item: event.item } : {}),
        ...(event.loopSummary ? { loop_summary: true } : {}),
        ...(event.ignored ? { ignored: true } : {}),
        ...(event.delegatedTo ? { delegated_to: event.delegatedTo } : {}),
        ...(event.noLog ? { no_log: true } : {}),
        ...(event.elapsedMs !== undefined ? { elapsed_ms: event.elapsedMs } : {}),
        ...(event.diff ? { diff: event.diff } : {}),
        result: event.result,
      };
    case "host_rescued":
      return { type: "host_rescued", host: event.host };
    case "include":
      return { type: "include", host: event.host, file: event.file };
    case "progress":
      return { type: "progress", host: event.host, message: event.message };
    case "warning":
      return { type: "warning", message: event.message };
    case "recap":
      return { type: "recap", interrupted: event.interrupted, hosts: statsObject(event.stats) };
    case "playbook_end":
      return { type: "playbook_end", exit_code: event.exitCode };
    default:
      return undefined;
  }
}

function statsObject(stats: Map<string, HostStats>): Record<string, HostStats> {
  // fromEntries defines own keys, so a host named "__proto__" stays a plain key
  return Object.fromEntries([...stats].map(([host, s]) => [host, { ...s }]));
}
