import type { Connection } from "../connection/types.js";
import { emptyStats, type HostStats } from "./stats.js";

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

  constructor(
    readonly name: string,
    readonly inventoryVars: Record<string, unknown>,
  ) {}

  get active(): boolean {
    return !this.failed && !this.unreachable && !this.endedPlay;
  }

  /** Opens the host's one connection on first use and reuses it for the rest of the run. */
  connect(open: () => Promise<Connection>): Promise<Connection> {
    if (!this.connection) {
      this.connection = open();
      // a failed attempt is not cached: the next run (or a retry) may succeed
      this.connection.catch(() => {
        this.connection = undefined;
      });
    }
    return this.connection;
  }

  async close(): Promise<void> {
    const conn = this.connection;
    this.connection = undefined;
    if (conn) await (await conn.catch(() => undefined))?.close();
  }
}
