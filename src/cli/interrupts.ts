/**
 * What Ctrl-C and SIGTERM mean to a run. The first stops new tasks and gives running ones a grace
 * period; the second (or the end of the grace period) aborts them: remote commands are killed,
 * file writes still end atomically. A third exits at once.
 */

import { setMaxListeners } from "node:events";
import { TsibleError } from "../errors.js";

export const DEFAULT_GRACE_MS = 30_000;

export type InterruptStep = "stop" | "abort" | "exit";

export class Interrupts {
  private readonly stopController = new AbortController();
  private readonly abortController = new AbortController();
  private graceTimer: NodeJS.Timeout | undefined;
  private count = 0;
  graceMs = DEFAULT_GRACE_MS;

  constructor() {
    // each running command, loop wait and lock wait on any host listens to these: 50 at --forks 50,
    // no leak (each listener goes when its work ends), so no MaxListenersExceededWarning
    setMaxListeners(0, this.stopController.signal, this.abortController.signal);
  }

  /** Aborted at the first interrupt: no new task (or loop item, or retry) starts. */
  get stop(): AbortSignal {
    return this.stopController.signal;
  }

  /** Aborted at the second interrupt or when the grace period ends: running commands are killed. */
  get abort(): AbortSignal {
    return this.abortController.signal;
  }

  /** Takes one Ctrl-C / SIGTERM and says what it did; `onGraceOver` runs if the grace period ends. */
  interrupt(onGraceOver: () => void): InterruptStep {
    this.count++;
    if (this.count === 1) {
      this.stopController.abort(interrupted("no new task starts"));
      this.graceTimer = setTimeout(() => {
        onGraceOver();
        this.abortNow(`the ${seconds(this.graceMs)} grace period ended`);
      }, this.graceMs);
      this.graceTimer.unref();
      return "stop";
    }
    if (this.count === 2) {
      this.abortNow("interrupted twice");
      return "abort";
    }
    return "exit";
  }

  private abortNow(why: string): void {
    clearTimeout(this.graceTimer);
    if (!this.stopController.signal.aborted) this.stopController.abort(interrupted(why));
    this.abortController.abort(interrupted(`${why}: the running command was stopped`));
  }
}

function interrupted(why: string): TsibleError {
  return new TsibleError(`interrupted (${why})`, { kind: "interrupted" });
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
