import type { Connection } from "../connection/types.js";
import { connectionVars } from "../engine/connection-vars.js";
import { runPool } from "../engine/pool.js";
import { describeHolder, type LockState, lockDirOf, readLock, releaseLock } from "../engine/run-lock.js";
import { LayeredScope } from "../engine/scope.js";
import { isTsibleError, TsibleError } from "../errors.js";
import { loadInventory } from "../inventory/index.js";
import { parseRunArgs, type RunArgs } from "./args.js";
import { connectHost } from "./connect.js";
import { parseExtraVars } from "./extra-vars.js";
import type { CliIO } from "./io.js";
import { connectDefaults, defaultInventory } from "./run-command.js";
import { openVault } from "./vault-setup.js";

export const LOCK_HELP = `usage: tsible lock status|release -i INVENTORY [--limit PATTERN] [--force] [options]

  status               each host's run lock: free, locked by whom since when, or STALE
  release              removes stale run locks (a run that crashed or lost its host)
      --force          with release: also remove a lock that looks alive (is that run really gone?)
  -l, --limit PATTERN  only these hosts
  -f, --forks N        hosts asked at once (default 5)
  -u USER, --private-key FILE, --host-key-checking yes|accept-new, -e VARS,
  --vault-password-file FILE, --vault-id LABEL@SOURCE, -J/--ask-vault-pass   as for tsible run
`;

/** Exit codes: 0 done, 2 a lock left in place (live, without --force) or an error, 4 a host unreachable. */
const EXIT = { ok: 0, failed: 2, unreachable: 4 } as const;

type Outcome = "ok" | "failed" | "unreachable";

/** `tsible lock status|release`: the run locks of an inventory's hosts, over their usual connections. */
export async function lockCommand(argv: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== "status" && action !== "release") {
    throw new TsibleError(action ? `unknown lock action '${action}'` : "tsible lock needs an action", {
      kind: "usage",
      hint: LOCK_HELP,
    });
  }
  const force = rest.includes("--force");
  if (force && action !== "release")
    throw new TsibleError("--force goes with tsible lock release", { kind: "usage" });
  const args = parseRunArgs(rest.filter((a) => a !== "--force"));
  if (args.playbooks.length > 0)
    throw new TsibleError(`unexpected argument '${args.playbooks[0]}'`, { kind: "usage", hint: LOCK_HELP });
  const { secrets, loadOptions } = await openVault(args, io);
  const inventory = loadInventory(args.inventory.length ? args.inventory : defaultInventory(), {
    decrypt: loadOptions.decrypt!,
  });
  for (const warning of inventory.warnings) io.err(`[WARNING]: ${warning}\n`);
  const extraVars = parseExtraVars(args.extraVars, loadOptions.decrypt);
  const hosts = inventory.match(args.limit ?? "all");
  if (hosts.length === 0) {
    throw new TsibleError(`no hosts match '${args.limit ?? "all"}'`, { kind: "usage" });
  }
  const width = Math.max(...hosts.map((h) => h.length));
  const results = new Map<string, [Outcome, string]>();
  await runPool(hosts, args.forks, async (host) => {
    const scope = new LayeredScope([inventory.hostVars(host), extraVars]);
    results.set(host, await lockAction(action, host, scope, args, force));
  });
  const outcomes = hosts.map((host) => {
    const [outcome, line] = results.get(host)!;
    io.out(`${host.padEnd(width)}  ${secrets.mask(line)}\n`);
    return outcome;
  });
  if (outcomes.includes("unreachable")) return EXIT.unreachable;
  return outcomes.includes("failed") ? EXIT.failed : EXIT.ok;
}

async function lockAction(
  action: "status" | "release",
  host: string,
  scope: LayeredScope,
  args: RunArgs,
  force: boolean,
): Promise<[Outcome, string]> {
  let conn: Connection | undefined;
  try {
    const dir = lockDirOf(scope, host, process.env.TSIBLE_LOCK_DIR);
    conn = await connectHost(host, connectionVars(scope), connectDefaults(args));
    const lock = await readLock(conn, dir);
    return action === "status" ? ["ok", statusLine(lock)] : await release(conn, dir, lock, force);
  } catch (err) {
    const message = isTsibleError(err) ? err.describe() : err instanceof Error ? err.message : String(err);
    const unreachable = isTsibleError(err) && err.kind === "connection";
    return [unreachable ? "unreachable" : "failed", `${unreachable ? "UNREACHABLE" : "ERROR"}: ${message}`];
  } finally {
    await conn?.close().catch(() => {});
  }
}

function statusLine(lock: LockState): string {
  if (lock.state === "free") return "free";
  return lock.stale
    ? `STALE: lock of ${describeHolder(lock)} (${lock.stale})`
    : `locked by ${describeHolder(lock)}`;
}

async function release(
  conn: Connection,
  dir: string,
  lock: LockState,
  force: boolean,
): Promise<[Outcome, string]> {
  if (lock.state === "free") return ["ok", "free: nothing to release"];
  if (!lock.stale && !force) {
    return [
      "failed",
      `NOT released: locked by ${describeHolder(lock)}, which looks alive; if you are sure that run is gone, add --force`,
    ];
  }
  // only the lock that was read: one that another run took meanwhile stays
  const removed = await releaseLock(conn, dir, lock.holder?.run_id);
  if (!removed)
    return ["failed", "NOT released: the lock changed meanwhile; look again with tsible lock status"];
  return ["ok", `released the ${lock.stale ? "STALE" : "live (--force)"} lock of ${describeHolder(lock)}`];
}
