import type { Connection } from "../connection/types.js";
import { emptyStats, type HostStats } from "./stats.js";

/** What the run does around a host's one connection (the run lock, run-lock-hooks.ts). */
export interface ConnectionHooks {
  /** After the connection opened, before any task uses it; a throw closes it and fails the task. */
  opened(host: HostState, conn: Connection): Promise<void>;
  /** Before the connection closes at the end of the run; `reopen` opens a fresh one when it was lost. */
  closing(host: HostState, conn: Connection, reopen: () => Promise<Connection>): Promise<void>;
}

/** What the run knows about one host across plays. */
export class HostState {
  /** set_fact and register results: survive across plays, as Ansible's host facts do. */
  readonly facts: Record<string, unknown> = {};
  readonly stats: HostStats = emptyStats();
  /** Handler names and listen topics notified and not yet run. */
  readonly notified = new Set<string>();
  /** A failed host takes no further part in the run (unless a rescue catches it). */
  failed = false;
  unreachable = false;
  /** meta: end_host — done for this play. */
  endedPlay = false;
  /** Check-mode overlay of the host's files: created by the engine on first use. */
  overlay: unknown;
  private connection: Promise<Connection> | undefined;
  private open: (() => Promise<Connection>) | undefined;

  constructor(
    readonly name: string,
    readonly inventoryVars: Record<string, unknown>,
    private readonly hooks?: ConnectionHooks,
  ) {}

  get active(): boolean {
    return !this.failed && !this.unreachable && !this.endedPlay;
  }

  /** Opens the host's one connection on first use and reuses it for the rest of the run. */
  connect(open: () => Promise<Connection>): Promise<Connection> {
    if (!this.connection) {
      this.open = open;
      this.connection = this.hooks ? this.openWithHooks(open, this.hooks) : open();
      // a failed attempt is not cached: the next run (or a retry) may succeed
      this.connection.catch(() => {
        this.connection = undefined;
      });
    }
    return this.connection;
  }

  private async openWithHooks(open: () => Promise<Connection>, hooks: ConnectionHooks): Promise<Connection> {
    const conn = await open();
    try {
      await hooks.opened(this, conn);
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
    return conn;
  }

  async close(): Promise<void> {
    const pending = this.connection;
    this.connection = undefined;
    const conn = await pending?.catch(() => undefined);
    if (!conn) return;
    if (this.hooks && this.open) await this.hooks.closing(this, conn, this.open).catch(() => {});
    await conn.close();
  }
}
