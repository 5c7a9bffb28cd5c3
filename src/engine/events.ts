import type { SourceLocation } from "../errors.js";
import type { FileDiff } from "../modules/types.js";
import type { HostStats } from "./stats.js";

export type HostStatus = "ok" | "changed" | "failed" | "skipped" | "unreachable";

/** One host's outcome for a task (or for one loop item of it). */
export interface HostResultEvent {
  type: "host_result";
  host: string;
  task: string;
  /** The module's canonical name (debug results are always shown, as Ansible does). */
  module?: string;
  status: HostStatus;
  /** The registered result, already masked for secrets and no_log. */
  result: Record<string, unknown>;
  /** The loop item's label, for loop items. */
  item?: string;
  /** The failure was ignored (ignore_errors). */
  ignored?: boolean;
  /** Shown diffs, masked. */
  diff?: FileDiff[];
  delegatedTo?: string;
  /** The task ran with no_log: renderers show no details. */
  noLog?: boolean;
  /** True for the summary of a loop (items were reported before). */
  loopSummary?: boolean;
  /** Verbosity the result asks for (debug's `verbosity`). */
  verbosity?: number;
  /** Milliseconds the host spent on the task. */
  elapsedMs?: number;
}

export type RunEvent =
  | { type: "playbook_start"; file: string; check: boolean }
  | { type: "play_start"; name: string; hosts: string[] }
  | { type: "no_hosts"; play: string; pattern: string }
  | {
      type: "task_start";
      name: string;
      /** `role : task` as Ansible prints it. */
      label: string;
      handler: boolean;
      location: SourceLocation | undefined;
      hosts: string[];
    }
  | HostResultEvent
  | { type: "host_rescued"; host: string }
  | { type: "include"; host: string; file: string }
  | { type: "progress"; host: string; message: string }
  | { type: "warning"; message: string }
  | { type: "recap"; stats: Map<string, HostStats>; interrupted: boolean }
  | { type: "playbook_end"; exitCode: number };

export type EventSink = (event: RunEvent) => void;
