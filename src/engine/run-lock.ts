/**
 * The per-host run lock, on the host: a directory made atomically with `mkdir` (by default
 * `~/.tsible/run.lock` of the login user, mode 0700) holding `holder.json` (who runs what, since
 * when) and a `heartbeat` file whose mtime the holder refreshes while it runs. Every operation is
 * one POSIX shell script over the host's connection, so ssh and local hosts work alike.
 */

import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { posix } from "node:path";
import { shq } from "../connection/quote.js";
import type { Connection } from "../connection/types.js";
import { TsibleError } from "../errors.js";

export const DEFAULT_LOCK_DIR = "~/.tsible/run.lock";
/** How often a holder touches its heartbeat. */
export const HEARTBEAT_MS = 15_000;
/** A lock whose heartbeat is older than this is stale: its run is gone. */
export const STALE_AFTER_S = 90;

/** What `holder.json` says: the run that holds the lock. */
export interface LockHolder {
  /** The controller's host name. */
  host: string;
  user: string;
  pid: number;
  playbook: string;
  /** ISO 8601, UTC. */
  started: string;
  version: string;
  run_id: string;
}

export interface HeldLock {
  /** Undefined when holder.json is missing or unreadable (a run that crashed while taking the lock). */
  holder: LockHolder | undefined;
  /** Seconds since the last heartbeat, by the host's own clock. */
  heartbeatAge: number | undefined;
  /** Why the lock is stale (its run is gone), or undefined while it looks alive. */
  stale: string | undefined;
}

export type LockState = { state: "free" } | ({ state: "held" } & HeldLock);

/** The holder record of a run started now from this controller. */
export function newHolder(playbook: string, version: string): LockHolder {
  return {
    host: hostname(),
    user: localUser(),
    pid: process.pid,
    playbook,
    started: new Date().toISOString(),
    version,
    run_id: randomUUID(),
  };
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? "unknown";
  }
}

/**
 * A host's lock directory: its `tsible_lock_dir`, else `defaultDir` (TSIBLE_LOCK_DIR), else
 * ~/.tsible/run.lock; absolute, or `~/...` (the login user's home on the host).
 */
export function lockDirOf(vars: { get(name: string): unknown }, host: string, defaultDir?: string): string {
  return checkLockDir(String(vars.get("tsible_lock_dir") ?? (defaultDir || DEFAULT_LOCK_DIR)), host);
}

function checkLockDir(path: string, host: string): string {
  const rest = path.startsWith("~/") ? path.slice(1) : path.startsWith("/") ? path : undefined;
  if (rest !== undefined && posix.normalize(rest) !== "/") return path;
  throw new TsibleError(
    `tsible_lock_dir for ${host} must be an absolute path or start with ~/, not '${path}'`,
    {
      kind: "usage",
      hint: `the default is ${DEFAULT_LOCK_DIR}`,
    },
  );
}

/** A path as a shell word, `~/` expanded by the host's shell to the login user's home. */
function shellPath(path: string): string {
  if (path === "~") return `"$HOME"`;
  if (path.startsWith("~/")) return `"$HOME"/${shq(path.slice(2))}`;
  return shq(path);
}

/** Prints `now heartbeat-mtime` (host clock) and holder.json; mtime falls back to the lock dir's. */
const PRINT_HELD = [
  "echo held",
  'mt() { stat -c %Y -- "$1" 2>/dev/null || stat -f %m -- "$1" 2>/dev/null; }',
  'echo "$(date +%s) $(mt "$L/heartbeat" || mt "$L" || echo -)"',
  'cat -- "$L/holder.json" 2>/dev/null',
  "exit 0",
].join("\n");

/**
 * Takes the lock when it is free: mkdir is atomic, so of two runs exactly one succeeds. The parent
 * folder is created 0700 when missing. holder.json appears whole (written aside, then renamed).
 */
export async function acquireLock(
  conn: Connection,
  dir: string,
  holder: LockHolder,
): Promise<{ acquired: true } | { acquired: false; lock: HeldLock }> {
  const script = [
    "umask 077",
    `L=${shellPath(dir)}`,
    // shell builtins where they do: each process started costs a few ms on every run and host
    `P=${shellPath(posix.dirname(dir))}`,
    '[ -d "$P" ] || mkdir -p -- "$P" || exit 3',
    'if mkdir -- "$L" 2>/dev/null; then',
    `  if { IFS= read -r h || [ -n "$h" ]; } && printf '%s\\n' "$h" > "$L/.holder.tmp" && mv -f -- "$L/.holder.tmp" "$L/holder.json" && : > "$L/heartbeat"; then`,
    "    echo acquired; exit 0",
    "  fi",
    '  rm -rf -- "$L"; exit 4',
    "fi",
    // mkdir failed: either the lock exists, or this mkdir says why it cannot be made
    '[ -d "$L" ] || { mkdir -- "$L"; exit 3; }',
    PRINT_HELD,
  ].join("\n");
  const result = await conn.exec(script, { stdin: `${JSON.stringify(holder)}\n` });
  if (result.rc !== 0) {
    throw new TsibleError(
      `cannot take the run lock ${dir} on ${conn.host}: ${result.stderr.trim() || `exit code ${result.rc}`}`,
      { kind: "module", hint: "set tsible_lock_dir for this host to a folder its login user may write" },
    );
  }
  if (result.stdout.startsWith("acquired")) return { acquired: true };
  return { acquired: false, lock: parseHeld(result.stdout) };
}

/** Reads the lock without changing anything (check mode, `tsible lock status`). */
export async function readLock(conn: Connection, dir: string): Promise<LockState> {
  const script = [`L=${shellPath(dir)}`, '[ -d "$L" ] || { echo free; exit 0; }', PRINT_HELD].join("\n");
  const result = await conn.exec(script);
  if (result.rc !== 0 || !/^(free|held)/.test(result.stdout)) {
    throw new TsibleError(`cannot read the run lock ${dir} on ${conn.host}: ${result.stderr.trim()}`, {
      kind: "module",
    });
  }
  if (result.stdout.startsWith("free")) return { state: "free" };
  return { state: "held", ...parseHeld(result.stdout) };
}

/** Refreshes the heartbeat; false when the lock is no longer this run's (released by someone else). */
export async function touchLock(conn: Connection, dir: string, runId: string): Promise<boolean> {
  const result = await conn.exec(
    `L=${shellPath(dir)}; grep -qF -- ${shq(runId)} "$L/holder.json" 2>/dev/null && touch -- "$L/heartbeat"`,
  );
  return result.rc === 0;
}

/**
 * Removes the lock if it is still the one of `runId` (or, with undefined, if it has no holder.json):
 * a lock that another run took meanwhile stays. Returns whether a lock was removed.
 */
export async function releaseLock(
  conn: Connection,
  dir: string,
  runId: string | undefined,
): Promise<boolean> {
  // holder.json is one line; `read` and `case` are builtins (no process started per check)
  const owned =
    runId === undefined
      ? '[ -d "$L" ] && [ ! -e "$L/holder.json" ]'
      : `{ IFS= read -r h || [ -n "$h" ]; } < "$L/holder.json" 2>/dev/null && case "$h" in *${shq(runId)}*) true ;; *) false ;; esac`;
  const script = [
    `L=${shellPath(dir)}`,
    `${owned} || { echo kept; exit 0; }`,
    'rm -f -- "$L/holder.json" "$L/heartbeat" "$L/.holder.tmp" && rmdir -- "$L" && echo released',
  ].join("\n");
  const result = await conn.exec(script);
  if (result.rc !== 0) {
    throw new TsibleError(`cannot remove the run lock ${dir} on ${conn.host}: ${result.stderr.trim()}`, {
      kind: "module",
    });
  }
  return result.stdout.startsWith("released");
}

function parseHeld(stdout: string): HeldLock {
  const [, times = "", ...rest] = stdout.split("\n");
  // both must be numbers: an empty mtime (a lock being removed meanwhile) is not the epoch
  const clock = /^(\d+) (\d+)$/.exec(times.trim());
  const heartbeatAge = clock ? Math.max(0, Number(clock[1]) - Number(clock[2])) : undefined;
  const holder = parseHolder(rest.join("\n"));
  return { holder, heartbeatAge, stale: staleReason(holder, heartbeatAge) };
}

function parseHolder(text: string): LockHolder | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== "object") return undefined;
  const d = data as Record<string, unknown>;
  const str = (k: string) =>
    typeof d[k] === "string" ? (d[k] as string).replace(/[\x00-\x1f\x7f]/g, "?") : "?";
  if (typeof d.run_id !== "string") return undefined;
  return {
    host: str("host"),
    user: str("user"),
    pid: Number.isInteger(d.pid) ? (d.pid as number) : 0,
    playbook: str("playbook"),
    started: str("started"),
    version: str("version"),
    run_id: d.run_id,
  };
}

function staleReason(holder: LockHolder | undefined, age: number | undefined): string | undefined {
  if (age !== undefined && age > STALE_AFTER_S) return `no heartbeat for ${formatAge(age)}`;
  if (holder && holder.host === hostname() && holder.pid > 0 && !processAlive(holder.pid)) {
    return `process ${holder.pid} on ${holder.host} is gone`;
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

/** `alice@laptop (pid 4242, playbooks/migrate.yml) since 2026-12-04 22:10:03 UTC, last heartbeat 5 s ago` */
export function describeHolder(lock: HeldLock): string {
  const h = lock.holder;
  const who = h
    ? `${h.user}@${h.host} (pid ${h.pid}, ${h.playbook}) since ${h.started.replace("T", " ").slice(0, 19)} UTC`
    : "an unknown run (no holder.json)";
  const beat =
    lock.heartbeatAge === undefined ? "no heartbeat" : `last heartbeat ${formatAge(lock.heartbeatAge)} ago`;
  return `${who}, ${beat}`;
}

/** The one-line state of a host's lock, for `tsible lock status` and errors. */
export function describeLock(host: string, lock: HeldLock): string {
  return lock.stale
    ? `host ${host} has a STALE run lock from ${describeHolder(lock)} (${lock.stale})`
    : `host ${host} is locked by ${describeHolder(lock)}`;
}

/** The command that releases a host's lock, for hints. */
export function releaseCommand(inventory: readonly string[], host: string, force = false): string {
  const inv = inventory.map((i) => ` -i ${shq(i)}`).join("");
  return `tsible lock release${inv} --limit ${shq(host)}${force ? " --force" : ""}`;
}
