/**
 * The run lock in a run: taken on each host when its connection opens (before the first task
 * uses it), kept alive by a heartbeat, released when the run ends, whatever the outcome. Check
 * runs take no lock; they warn when a live run holds one.
 */

import { isAbsolute, relative } from "node:path";
import type { Connection } from "../connection/types.js";
import { isTsibleError, TsibleError } from "../errors.js";
import { TSIBLE_VERSION } from "../version.js";
import type { ConnectionHooks, HostState } from "./host.js";
import type { RunContext } from "./play-run.js";
import {
  acquireLock,
  describeLock,
  HEARTBEAT_MS,
  type HeldLock,
  type LockHolder,
  lockDirOf,
  newHolder,
  readLock,
  releaseCommand,
  releaseLock,
  touchLock,
} from "./run-lock.js";
import { LayeredScope } from "./scope.js";

export interface RunLockOptions {
  /** --lock-wait: seconds to wait for a lock another run holds (0: fail at once). */
  waitSeconds: number;
  /** The lock of hosts without `tsible_lock_dir` (TSIBLE_LOCK_DIR); default ~/.tsible/run.lock. */
  defaultDir?: string;
  /** The -i sources, for the `tsible lock release` hint. */
  inventory: string[];
}

/** How often a waiting run tries again. */
const POLL_MS = 1000;
/** holder.json missing right after mkdir: its run is still writing it; ask again for this long. */
const HOLDER_WRITE_MS = 5000;

interface Held {
  dir: string;
  conn: Connection;
  timer: NodeJS.Timeout;
  beat: Promise<void> | undefined;
}

/** The hooks that lock each host of a run, or undefined without locking (--no-lock). */
export function runLockHooks(run: RunContext): ConnectionHooks | undefined {
  const options = run.options.runLock;
  return options ? new RunLocks(run, options) : undefined;
}

class RunLocks implements ConnectionHooks {
  private readonly holder: LockHolder;
  private readonly held = new Map<HostState, Held>();

  constructor(
    private readonly run: RunContext,
    private readonly options: RunLockOptions,
  ) {
    const file = run.playbook.file;
    const rel = relative(process.cwd(), file);
    this.holder = newHolder(rel.startsWith("..") || isAbsolute(rel) ? file : rel, TSIBLE_VERSION);
  }

  async opened(host: HostState, conn: Connection): Promise<void> {
    const scope = new LayeredScope([host.inventoryVars, this.run.options.extraVars]);
    const dir = lockDirOf(scope, host.name, this.options.defaultDir);
    if (this.run.options.check) return this.warnIfLocked(host, conn, dir);
    const deadline = Date.now() + this.options.waitSeconds * 1000;
    let waiting = false;
    const holderDue = Date.now() + HOLDER_WRITE_MS;
    for (;;) {
      const got = await acquireLock(conn, dir, this.holder);
      if (got.acquired) {
        this.hold(host, conn, dir);
        return;
      }
      const lock = got.lock;
      // two inventory names for one login on one machine share its lock: this run holds it already
      if (lock.holder?.run_id === this.holder.run_id) return;
      if (!lock.holder && !lock.stale && Date.now() < holderDue) {
        await this.pause(100, host);
        continue;
      }
      if (lock.stale || Date.now() >= deadline) throw this.lockedError(host, lock, waiting);
      if (!waiting) {
        waiting = true;
        this.run.emit({
          type: "warning",
          message: `${describeLock(host.name, lock)}: waiting up to ${this.options.waitSeconds} s (--lock-wait)`,
        });
      }
      await this.pause(Math.min(POLL_MS, deadline - Date.now()), host);
    }
  }

  private lockedError(host: HostState, lock: HeldLock, waited: boolean): TsibleError {
    const release = releaseCommand(this.options.inventory, host.name);
    const next = lock.stale
      ? `release it: ${release}`
      : `${waited ? `waited ${this.options.waitSeconds} s; ` : ""}to wait for it: --lock-wait 600; if that run is gone: ${release}`;
    return new TsibleError(`${describeLock(host.name, lock)}; ${next}`, { kind: "module" });
  }

  /** Check mode writes nothing: it only says when another run may change the host under it. */
  private async warnIfLocked(host: HostState, conn: Connection, dir: string): Promise<void> {
    const lock = await readLock(conn, dir);
    if (lock.state === "free" || lock.holder?.run_id === this.holder.run_id) return;
    const why = lock.stale
      ? `a real run will stop there until it is released (${releaseCommand(this.options.inventory, host.name)})`
      : "another run is changing it, so these predictions may be out of date";
    this.run.emit({ type: "warning", message: `${describeLock(host.name, lock)}: ${why}` });
  }

  private hold(host: HostState, conn: Connection, dir: string): void {
    const held: Held = {
      dir,
      conn,
      beat: undefined,
      timer: setInterval(() => {
        held.beat ??= this.heartbeat(host, held).finally(() => {
          held.beat = undefined;
        });
      }, HEARTBEAT_MS),
    };
    held.timer.unref();
    this.held.set(host, held);
  }

  private async heartbeat(host: HostState, held: Held): Promise<void> {
    try {
      if (await touchLock(held.conn, held.dir, this.holder.run_id)) return;
      clearInterval(held.timer);
      this.run.emit({
        type: "warning",
        message: `the run lock of ${host.name} was released by someone else (tsible lock release --force); this run goes on without it`,
      });
    } catch {
      // a lost connection: the task that uses it reports that
    }
  }

  async closing(host: HostState, conn: Connection, reopen: () => Promise<Connection>): Promise<void> {
    const held = this.held.get(host);
    if (!held) return;
    this.held.delete(host);
    clearInterval(held.timer);
    await held.beat;
    try {
      await releaseLock(conn, held.dir, this.holder.run_id);
      return;
    } catch (err) {
      if (!isTsibleError(err) || err.kind !== "connection") return this.notReleased(host, err);
    }
    // the connection was lost during the run: one fresh connection, just to release the lock
    let fresh: Connection | undefined;
    try {
      fresh = await reopen();
      await releaseLock(fresh, held.dir, this.holder.run_id);
    } catch (err) {
      this.notReleased(host, err);
    } finally {
      await fresh?.close().catch(() => {});
    }
  }

  private notReleased(host: HostState, err: unknown): void {
    const why = isTsibleError(err) ? err.message : String(err);
    this.run.emit({
      type: "warning",
      message: `the run lock of ${host.name} could not be released (${why}); the next run will find it stale: ${releaseCommand(this.options.inventory, host.name)}`,
    });
  }

  /** Waits `ms` before asking again; an interrupted run stops waiting at once. */
  private async pause(ms: number, host: HostState): Promise<void> {
    await this.sleep(ms);
    if (this.run.stopping()) {
      throw new TsibleError(`interrupted while waiting for the run lock of ${host.name}`, { kind: "module" });
    }
  }

  private sleep(ms: number): Promise<void> {
    const signals = [this.run.options.stop, this.run.options.signal].filter((s) => s !== undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener("abort", done);
        resolve();
      }
      for (const s of signals) s.addEventListener("abort", done, { once: true });
    });
  }
}
