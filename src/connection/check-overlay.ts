import { posix } from "node:path";

/**
 * What check mode would have done to one path. A file entry without `content` keeps the host's
 * content (only its attributes were changed). A directory entry that is `opaque` hides whatever the
 * host has below it (it was removed, then created again).
 */
export type OverlayEntry =
  | { type: "absent" }
  | { type: "file"; mode: number; uid: number; gid: number; content?: Buffer }
  | { type: "directory"; mode: number; uid: number; gid: number; opaque: boolean }
  | { type: "link"; target: string; uid: number; gid: number };

/** One step a check run would have taken on a host, in order: what the engine can show as a plan. */
export interface OverlayChange {
  action: "write" | "mkdir" | "chmod" | "chown" | "symlink" | "remove";
  path: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** For symlink: the link's target. */
  target?: string;
  /** For write: the new content's size in bytes. */
  size?: number;
}

/** Normalises to an absolute path without a trailing slash. */
export function normalizePath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/**
 * The per-host, per-run record of check-mode writes (DESIGN.md §4). Reads in later tasks go through
 * it, so a task sees what earlier tasks would have done. It knows nothing about the host itself:
 * `lookup` answers "host" when the host's own state is what counts.
 */
export class CheckOverlay {
  private readonly entries = new Map<string, OverlayEntry>();
  private readonly log: OverlayChange[] = [];

  /** Every change recorded so far, in order. */
  get changes(): readonly OverlayChange[] {
    return this.log;
  }

  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** Whether any symlink was recorded: only then do parent directories need resolving through the view. */
  get hasLinks(): boolean {
    for (const entry of this.entries.values()) if (entry.type === "link") return true;
    return false;
  }

  /** What the overlay says about `path` itself (links not followed), or "host" to ask the host. */
  lookup(path: string): OverlayEntry | "host" {
    const p = normalizePath(path);
    const own = this.entries.get(p);
    if (own) return own;
    for (let dir = posix.dirname(p); ; dir = posix.dirname(dir)) {
      const parent = this.entries.get(dir);
      if (parent) {
        if (parent.type === "directory" && !parent.opaque) return "host";
        return { type: "absent" };
      }
      if (dir === "/" || dir === ".") return "host";
    }
  }

  /** Records `entry` for `path` and logs `change`. */
  record(path: string, entry: OverlayEntry, change: Omit<OverlayChange, "path">): void {
    const p = normalizePath(path);
    if (entry.type === "directory" && this.hidesHost(p)) entry.opaque = true;
    if (entry.type !== "directory") this.dropBelow(p);
    this.entries.set(p, entry);
    this.log.push({ path: p, ...change });
  }

  /** Records that `path` and everything below it are gone. */
  recordRemoval(path: string): void {
    const p = normalizePath(path);
    this.dropBelow(p);
    this.entries.set(p, { type: "absent" });
    this.log.push({ action: "remove", path: p });
  }

  /** Forgets what was recorded for `path` (and below): a real write made the host the truth again. */
  forget(path: string): void {
    const p = normalizePath(path);
    this.entries.delete(p);
    this.dropBelow(p);
  }

  /** Entries recorded directly inside `dir`, by name. */
  childrenOf(dir: string): Map<string, OverlayEntry> {
    const d = normalizePath(dir);
    const prefix = d === "/" ? "/" : `${d}/`;
    const out = new Map<string, OverlayEntry>();
    for (const [path, entry] of this.entries) {
      if (path.startsWith(prefix) && path.length > prefix.length && !path.slice(prefix.length).includes("/"))
        out.set(path.slice(prefix.length), entry);
    }
    return out;
  }

  /** Whether the directory at `dir` hides the host's entries below it (opaque, or its parent chain is gone). */
  hidesHost(dir: string): boolean {
    const p = normalizePath(dir);
    const own = this.entries.get(p);
    if (own) return own.type !== "directory" || own.opaque;
    return this.lookup(p) !== "host";
  }

  private dropBelow(path: string): void {
    const prefix = path === "/" ? "/" : `${path}/`;
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
