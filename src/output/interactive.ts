import { Listr, type ListrTask } from "listr2";
import type { HostResultEvent, HostStatus, RunEvent } from "../engine/events.js";
import { type Deferred, deferred } from "./deferred.js";
import { formatDiff, type LineOutput, LineRenderer, type Palette } from "./line.js";

/** How a host's slot in the current task ended. */
type HostOutcome = { status: HostStatus; event: HostResultEvent } | { status: "none" };

/** One host's line in the live view of a task. */
interface HostSlot {
  /** When the engine started the task (the live view may start later). */
  since: number;
  done: Deferred<HostOutcome>;
  /** The latest progress or loop-item line, shown under the host. */
  note?: string;
  onNote?: (note: string) => void;
}

interface CurrentTask {
  slots: Map<string, HostSlot>;
  /** Output that must wait until the live view of the task is finished (diffs, failures). */
  after: Array<() => void>;
}

/**
 * The live view on a terminal (listr2): each task is a list of its hosts, running with a spinner
 * and elapsed seconds, then ok / changed / skipped / failed / unreachable with their time, and the
 * last progress line of long steps. Play banners, diffs, failures and the recap are written
 * between tasks by the line renderer, so they stay in the scrollback as in the plain output.
 */
export class InteractiveRenderer {
  private chain: Promise<void> = Promise.resolve();
  private current: CurrentTask | undefined;
  private readonly line: LineRenderer;

  constructor(
    private readonly out: LineOutput,
    verbosity: number,
    private readonly colors: Palette,
  ) {
    this.line = new LineRenderer(out, verbosity, colors);
  }

  handle = (event: RunEvent): void => {
    switch (event.type) {
      case "task_start":
        this.endTask();
        this.startTask(event.label, event.handler, event.hosts);
        break;
      case "host_result":
        this.hostResult(event);
        break;
      case "progress":
        this.note(event.host, event.message);
        break;
      case "include":
      case "warning":
      case "host_rescued":
        if (this.current) this.current.after.push(() => this.line.handle(event));
        else this.later(event);
        break;
      default:
        this.endTask();
        this.later(event);
    }
  };

  /** Text written after everything handled so far (the check-mode plan). */
  writeLater(text: string): void {
    this.endTask();
    this.chain = this.chain.then(() => this.out.write(text));
  }

  /** Resolves once everything is on the screen. */
  async finish(): Promise<void> {
    this.endTask();
    await this.chain;
  }

  private later(event: RunEvent): void {
    this.chain = this.chain.then(() => this.line.handle(event));
  }

  private startTask(label: string, handler: boolean, hosts: string[]): void {
    const slots = new Map<string, HostSlot>(
      hosts.map((h) => [h, { since: Date.now(), done: deferred<HostOutcome>() }]),
    );
    const current: CurrentTask = { slots, after: [] };
    this.current = current;
    const title = `${handler ? "RUNNING HANDLER" : "TASK"} [${label}]`;
    const list = new Listr(
      [
        {
          title,
          task: (_ctx, task) =>
            task.newListr(
              [...slots].map(([host, slot]) => this.hostTask(host, slot)),
              { concurrent: true, exitOnError: false },
            ),
        },
      ],
      {
        renderer: "default",
        exitOnError: false,
        registerSignalListeners: false,
        collectErrors: false,
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
      },
    );
    this.chain = this.chain.then(async () => {
      await list.run().catch(() => undefined);
      for (const write of current.after) write();
    });
  }

  /** Hosts that never reported (a handler not notified there, a run stopped) end quietly. */
  private endTask(): void {
    if (!this.current) return;
    for (const slot of this.current.slots.values()) slot.done.resolve({ status: "none" });
    this.current = undefined;
  }

  private hostTask(host: string, slot: HostSlot): ListrTask {
    return {
      title: `${host}: running`,
      rendererOptions: { outputBar: 1, persistentOutput: false },
      task: async (_ctx, task) => {
        const seconds = () => `${((Date.now() - slot.since) / 1000).toFixed(1)}s`;
        slot.onNote = (note) => {
          task.output = note;
        };
        if (slot.note) task.output = slot.note;
        const tick = setInterval(() => {
          task.title = `${host}: running ${seconds()}`;
        }, 200);
        const outcome = await slot.done.promise.finally(() => clearInterval(tick));
        if (outcome.status === "none") {
          task.skip(`${host}: not run`);
          return;
        }
        const elapsed = outcome.event.elapsedMs !== undefined ? outcome.event.elapsedMs / 1000 : undefined;
        const time = `(${elapsed !== undefined ? `${elapsed.toFixed(1)}s` : seconds()})`;
        switch (outcome.status) {
          case "ok":
            task.title = `${host}: ${this.colors.ok("ok")} ${time}`;
            return;
          case "changed":
            task.title = `${host}: ${this.colors.changed("changed")} ${time}`;
            return;
          case "skipped":
            task.skip(`${host}: skipping`);
            return;
          default: {
            const ignored = outcome.event.ignored ? " (ignored)" : "";
            const msg = outcome.event.result.msg;
            task.title = `${host}: ${outcome.status}${ignored} ${time}`;
            if (outcome.event.ignored) return;
            throw new Error(`${host}: ${outcome.status}${typeof msg === "string" ? `: ${msg}` : ""}`);
          }
        }
      },
    };
  }

  private hostResult(event: HostResultEvent): void {
    const current = this.current;
    const slot = current?.slots.get(event.host);
    if (!current || !slot) {
      this.later(event);
      return;
    }
    const diffs = event.diff ?? [];
    if (diffs.length)
      current.after.push(() => this.out.write(diffs.map((d) => formatDiff(d, this.colors)).join("")));
    // the full failure (module message, rc, stderr) as the plain output shows it
    const failure = event.status === "failed" || event.status === "unreachable";
    if (failure && !event.loopSummary) {
      const { diff: _shown, ...rest } = event;
      current.after.push(() => this.line.handle(rest));
    }
    if (event.item !== undefined && !event.loopSummary) {
      this.note(event.host, `item=${event.item}: ${event.status}`);
      return;
    }
    slot.done.resolve({ status: event.status, event });
  }

  private note(host: string, message: string): void {
    const slot = this.current?.slots.get(host);
    if (!slot) return;
    slot.note = message;
    slot.onNote?.(message);
  }
}
