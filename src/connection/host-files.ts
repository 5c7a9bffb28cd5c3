import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import { type CheckOverlay, normalizePath, type OverlayEntry } from "./check-overlay.js";
import { fsError } from "./fs-errors.js";
import { type Exec, HostAccounts, type HostIdentity } from "./host-accounts.js";
import type { FileStat, FileTransport } from "./types.js";

export { CheckOverlay } from "./check-overlay.js";

/** A wanted mode: exact bits, or computed from the current mode (symbolic modes such as 'u+x'). */
export type ModeWish = number | ((current: number, isDirectory: boolean, umask: number) => number);

export interface WriteFileOptions {
  /** Default: the existing file's mode, or 0666 minus the umask for a new file. */
  mode?: number;
  /** User and group names (or numeric ids as text); default: kept when replacing a file as root. */
  owner?: string;
  group?: string;
}

export interface AttributeWish {
  mode?: ModeWish;
  owner?: string;
  group?: string;
}

/** Attributes to change on one path, with Ansible's diff of them (mode as '0644', owner/group as ids). */
export interface AttributeChange {
  path: string;
  changed: boolean;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  mode?: number;
  uid?: number;
  gid?: number;
}

/**
 * The check-mode aware file view of a host (DESIGN.md §4). Reads see what earlier check-mode tasks
 * would have written; in check mode every write is recorded in the overlay and the host is left
 * alone. Paths are absolute. Missing paths give `undefined` from stat/readFile.
 */
export interface HostFiles {
  readonly check: boolean;
  readonly overlay: CheckOverlay;
  readonly accounts: HostAccounts;
  identity(): Promise<HostIdentity>;
  /** `follow` defaults to true, as stat(2). */
  stat(path: string, opts?: { follow?: boolean }): Promise<FileStat | undefined>;
  /** The path with every symlink resolved (missing tails are kept as written, like Python's realpath). */
  realpath(path: string): Promise<string>;
  readFile(path: string): Promise<Buffer | undefined>;
  /** Atomic write of `path` itself (a symlink at `path` is replaced, not followed). */
  writeFile(path: string, data: Buffer, opts?: WriteFileOptions): Promise<void>;
  /** Creates the missing directories of `path`, each with the given attributes; returns the ones created. */
  mkdirp(path: string, attributes?: AttributeWish): Promise<string[]>;
  chmod(path: string, mode: number): Promise<void>;
  /** Changes the owner of `path` itself (not a link's target); names are resolved once per host. */
  chown(path: string, owner?: string, group?: string): Promise<void>;
  /** Creates or atomically replaces a symlink at `path` pointing to `target`. */
  symlink(target: string, path: string): Promise<void>;
  /** Updates the times of an existing path (`touch`). */
  touch(path: string): Promise<void>;
  /** Removes a file, link or (recursive) directory tree; nothing when missing. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** Compares the attributes of `path` (its link target when `follow`) with the wish. */
  planAttributes(path: string, wish: AttributeWish, opts?: { follow?: boolean }): Promise<AttributeChange>;
  applyAttributes(change: AttributeChange): Promise<void>;
}

export interface HostFilesOptions {
  transport: FileTransport;
  /** Runs a command on the host as the task's user (become applied): used for user lookups and touch. */
  exec: Exec;
  check: boolean;
  /** Lives for the whole run of one host. */
  overlay: CheckOverlay;
  /** Defaults to one cache per overlay and `accountsKey`. */
  accounts?: HostAccounts;
  /**
   * Who the commands run as on which connection (the become user, a delegated host): each gets
   * its own identity (uid, umask) and name cache. Defaults to one for the overlay.
   */
  accountsKey?: string;
}

const MAX_LINK_HOPS = 40;
const accountsByOverlay = new WeakMap<CheckOverlay, Map<string, HostAccounts>>();

export function createHostFiles(options: HostFilesOptions): HostFiles {
  let byKey = accountsByOverlay.get(options.overlay);
  if (!byKey) {
    byKey = new Map();
    accountsByOverlay.set(options.overlay, byKey);
  }
  const key = options.accountsKey ?? "";
  let accounts = options.accounts ?? byKey.get(key);
  if (!accounts) {
    accounts = new HostAccounts(options.exec);
    byKey.set(key, accounts);
  }
  return new OverlaidHostFiles(options.transport, options.exec, options.check, options.overlay, accounts);
}

/** Ansible's display of a mode: '0644', '01777'. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

class OverlaidHostFiles implements HostFiles {
  constructor(
    private readonly transport: FileTransport,
    private readonly exec: Exec,
    readonly check: boolean,
    readonly overlay: CheckOverlay,
    readonly accounts: HostAccounts,
  ) {}

  identity(): Promise<HostIdentity> {
    return this.accounts.identity();
  }

  async stat(path: string, opts: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    const follow = opts.follow ?? true;
    if (this.overlay.isEmpty) return this.transport.stat(normalizePath(path), { follow });
    return this.lstatView(await this.locate(path, follow));
  }

  realpath(path: string): Promise<string> {
    return this.resolveAll(normalizePath(path), 0);
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    if (this.overlay.isEmpty) return this.transport.readFile(normalizePath(path));
    const p = await this.locate(path, true);
    const entry = this.overlay.lookup(p);
    if (entry === "host") return this.transport.readFile(p);
    if (entry.type === "directory") throw fsError("EISDIR", "read", p);
    if (entry.type === "file") return entry.content ?? this.transport.readFile(p);
    return undefined;
  }

  async writeFile(path: string, data: Buffer, opts: WriteFileOptions = {}): Promise<void> {
    const p = await this.locate(path, false);
    const existing = await this.stat(p, { follow: true });
    if (existing?.type === "directory") throw fsError("EISDIR", "open", p);
    const id = await this.identity();
    const mode = opts.mode ?? (existing?.type === "file" ? existing.mode : 0o666 & ~id.umask);
    // replacing a file makes a new inode: keep the old owner, which only root can give away
    const keepOwner = existing !== undefined && id.uid === 0;
    const uid =
      opts.owner !== undefined ? await this.accounts.uidOf(opts.owner) : keepOwner ? existing.uid : undefined;
    const gid =
      opts.group !== undefined ? await this.accounts.gidOf(opts.group) : keepOwner ? existing.gid : undefined;
    if (!this.check) {
      await this.transport.writeFile(p, data, { mode, uid, gid });
      this.overlay.forget(p);
      return;
    }
    await this.requireDirectory(posix.dirname(p), "open");
    this.overlay.record(
      p,
      { type: "file", mode, uid: uid ?? id.uid, gid: gid ?? id.gid, content: data },
      {
        action: "write",
        mode,
        size: data.length,
        ...(uid === undefined ? {} : { uid }),
        ...(gid === undefined ? {} : { gid }),
      },
    );
  }

  async mkdirp(path: string, attributes: AttributeWish = {}): Promise<string[]> {
    const created: string[] = [];
    // the common case (it exists) costs one stat, not one per path component
    const whole = await this.stat(normalizePath(path), { follow: true });
    if (whole?.type === "directory") return created;
    let current = "/";
    for (const part of normalizePath(path).split("/").filter(Boolean)) {
      current = posix.join(current, part);
      const st = await this.stat(current, { follow: true });
      if (st) {
        if (st.type !== "directory") throw fsError("ENOTDIR", "mkdir", current);
        continue;
      }
      try {
        await this.mkdir(current, attributes);
      } catch (err) {
        // another host or process made it in the meantime (local hosts share one disk)
        const now =
          (err as NodeJS.ErrnoException).code === "EEXIST"
            ? await this.stat(current, { follow: true })
            : undefined;
        if (now?.type === "directory") continue;
        throw err;
      }
      created.push(current);
    }
    return created;
  }

  async chmod(path: string, mode: number): Promise<void> {
    if (!this.check) {
      await this.transport.chmod(normalizePath(path), mode);
      this.overlay.forget(normalizePath(path));
      return;
    }
    const p = await this.locate(path, true);
    const st = await this.requireExisting(p, "chmod");
    this.overlay.record(p, this.entryWith(p, st, { mode }), { action: "chmod", mode });
  }

  async chown(path: string, owner?: string, group?: string): Promise<void> {
    const uid = owner === undefined ? undefined : await this.accounts.uidOf(owner);
    const gid = group === undefined ? undefined : await this.accounts.gidOf(group);
    await this.chownIds(path, uid, gid);
  }

  async symlink(target: string, path: string): Promise<void> {
    const p = await this.locate(path, false);
    const existing = await this.lstatView(p);
    if (this.check) {
      await this.requireDirectory(posix.dirname(p), "symlink");
      const id = await this.identity();
      this.overlay.record(
        p,
        { type: "link", target, uid: id.uid, gid: id.gid },
        { action: "symlink", target },
      );
      return;
    }
    if (!existing) {
      await this.transport.symlink(target, p);
    } else {
      if (existing.type === "directory") await this.transport.remove(p, { recursive: true });
      // a new link beside the old path, renamed over it: the path never goes missing
      const temp = posix.join(
        posix.dirname(p),
        `.${posix.basename(p)}.tsible-${randomBytes(6).toString("hex")}.tmp`,
      );
      await this.transport.symlink(target, temp);
      try {
        await this.transport.rename(temp, p);
      } catch (err) {
        await this.transport.remove(temp);
        throw err;
      }
    }
    this.overlay.forget(p);
  }

  async touch(path: string): Promise<void> {
    const p = await this.locate(path, false);
    if (this.check) {
      await this.requireExisting(p, "utime");
      return;
    }
    const res = await this.exec(`touch -c -- '${p.replaceAll("'", `'"'"'`)}'`);
    if (res.rc !== 0) throw new Error(`touch ${p}: ${res.stderr.trim()}`);
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const p = await this.locate(path, false);
    if (!this.check) {
      await this.transport.remove(p, opts);
      this.overlay.forget(p);
      return;
    }
    const st = await this.lstatView(p);
    if (!st) return;
    if (st.type === "directory" && !opts.recursive && (await this.readdir(p)).length > 0)
      throw fsError("ENOTEMPTY", "rmdir", p);
    this.overlay.recordRemoval(p);
  }

  async readdir(path: string): Promise<string[]> {
    if (this.overlay.isEmpty) return this.transport.readdir(normalizePath(path));
    const p = await this.locate(path, true);
    const st = await this.lstatView(p);
    if (!st) throw fsError("ENOENT", "scandir", p);
    if (st.type !== "directory") throw fsError("ENOTDIR", "scandir", p);
    const names = new Set(this.overlay.hidesHost(p) ? [] : await this.transport.readdir(p));
    for (const [name, entry] of this.overlay.childrenOf(p)) {
      if (entry.type === "absent") names.delete(name);
      else names.add(name);
    }
    return [...names];
  }

  async planAttributes(
    path: string,
    wish: AttributeWish,
    opts: { follow?: boolean } = {},
  ): Promise<AttributeChange> {
    const p = await this.locate(path, opts.follow ?? true);
    const st = await this.requireExisting(p, "stat");
    const change: AttributeChange = { path: p, changed: false, before: {}, after: {} };
    if (wish.owner !== undefined) {
      const uid = await this.accounts.uidOf(wish.owner);
      if (uid !== st.uid) {
        Object.assign(change, { uid, changed: true });
        change.before.owner = st.uid;
        change.after.owner = uid;
      }
    }
    if (wish.group !== undefined) {
      const gid = await this.accounts.gidOf(wish.group);
      if (gid !== st.gid) {
        Object.assign(change, { gid, changed: true });
        change.before.group = st.gid;
        change.after.group = gid;
      }
    }
    // a link's own mode cannot be changed on Linux; Ansible leaves it alone too
    if (wish.mode !== undefined && st.type !== "link") {
      const { umask } = await this.identity();
      const mode =
        typeof wish.mode === "number" ? wish.mode : wish.mode(st.mode, st.type === "directory", umask);
      if (mode !== st.mode) {
        Object.assign(change, { mode, changed: true });
        change.before.mode = formatMode(st.mode);
        change.after.mode = formatMode(mode);
      }
    }
    return change;
  }

  async applyAttributes(change: AttributeChange): Promise<void> {
    // owner first: chown clears setuid/setgid bits that the mode may set
    if (change.uid !== undefined || change.gid !== undefined)
      await this.chownIds(change.path, change.uid, change.gid);
    if (change.mode !== undefined) await this.chmod(change.path, change.mode);
  }

  private async chownIds(path: string, uid: number | undefined, gid: number | undefined): Promise<void> {
    if (uid === undefined && gid === undefined) return;
    const p = await this.locate(path, false);
    if (!this.check) {
      await this.transport.chown(p, uid ?? -1, gid ?? -1);
      this.overlay.forget(p);
      return;
    }
    const st = await this.requireExisting(p, "lchown");
    this.overlay.record(p, this.entryWith(p, st, { uid: uid ?? st.uid, gid: gid ?? st.gid }), {
      action: "chown",
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
    });
  }

  private async mkdir(path: string, attributes: AttributeWish): Promise<void> {
    const id = await this.identity();
    const base = 0o777 & ~id.umask;
    const mode =
      attributes.mode === undefined
        ? base
        : typeof attributes.mode === "number"
          ? attributes.mode
          : attributes.mode(base, true, id.umask);
    const uid = attributes.owner === undefined ? undefined : await this.accounts.uidOf(attributes.owner);
    const gid = attributes.group === undefined ? undefined : await this.accounts.gidOf(attributes.group);
    if (this.check) {
      // opaque: mkdirp only makes what the view lacks, so the host has nothing below it to list
      this.overlay.record(
        path,
        { type: "directory", mode, uid: uid ?? id.uid, gid: gid ?? id.gid, opaque: true },
        {
          action: "mkdir",
          mode,
          ...(uid === undefined ? {} : { uid }),
          ...(gid === undefined ? {} : { gid }),
        },
      );
      return;
    }
    await this.transport.mkdir(path, mode);
    if (uid !== undefined || gid !== undefined) await this.transport.chown(path, uid ?? -1, gid ?? -1);
    this.overlay.forget(path);
  }

  /** The path's stat from the overlay or, where it has nothing, the host; links not followed. */
  private async lstatView(path: string): Promise<FileStat | undefined> {
    const entry = this.overlay.lookup(path);
    if (entry === "host") return this.transport.stat(path, { follow: false });
    const now = Math.floor(Date.now() / 1000);
    switch (entry.type) {
      case "absent":
        return undefined;
      case "link":
        return {
          type: "link",
          mode: 0o777,
          uid: entry.uid,
          gid: entry.gid,
          size: entry.target.length,
          mtime: now,
          linkTarget: entry.target,
        };
      case "directory": {
        const host = entry.opaque ? undefined : await this.transport.stat(path, { follow: false });
        return {
          type: "directory",
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          size: host?.size ?? 4096,
          mtime: host?.mtime ?? now,
        };
      }
      case "file": {
        const host = entry.content ? undefined : await this.transport.stat(path, { follow: false });
        const size = entry.content?.length ?? host?.size ?? 0;
        return {
          type: "file",
          mode: entry.mode,
          uid: entry.uid,
          gid: entry.gid,
          size,
          mtime: host?.mtime ?? now,
        };
      }
    }
  }

  /**
   * Where `path` lives in the view: parent directories resolved through links (only needed once the
   * overlay holds something, otherwise the host resolves them itself) and, with `follow`, the last
   * component too.
   */
  private async locate(path: string, follow: boolean): Promise<string> {
    const p = normalizePath(path);
    if (this.overlay.isEmpty || p === "/") return p;
    if (follow) return this.resolveAll(p, 0);
    return posix.join(await this.resolveAll(posix.dirname(p), 0), posix.basename(p));
  }

  /** Resolves every symlink along `path` through the view; missing tails stay as written. */
  private async resolveAll(path: string, hops: number): Promise<string> {
    let resolved = "/";
    for (const part of path.split("/").filter(Boolean)) {
      const candidate = posix.join(resolved, part);
      const st = await this.lstatView(candidate);
      if (st?.type === "link" && st.linkTarget !== undefined) {
        if (hops >= MAX_LINK_HOPS) throw fsError("ELOOP", "stat", path);
        resolved = await this.resolveAll(normalizePath(posix.resolve(resolved, st.linkTarget)), hops + 1);
      } else {
        resolved = candidate;
      }
    }
    return resolved;
  }

  private async requireExisting(path: string, syscall: string): Promise<FileStat> {
    const st = await this.lstatView(path);
    if (!st) throw fsError("ENOENT", syscall, path);
    return st;
  }

  private async requireDirectory(path: string, syscall: string): Promise<void> {
    const st = await this.stat(path, { follow: true });
    if (!st) throw fsError("ENOENT", syscall, path);
    if (st.type !== "directory") throw fsError("ENOTDIR", syscall, path);
  }

  /** The overlay entry for an existing path with some attributes replaced, keeping recorded content. */
  private entryWith(
    path: string,
    st: FileStat,
    patch: { mode?: number; uid?: number; gid?: number },
  ): OverlayEntry {
    const recorded = this.overlay.lookup(path);
    const base = { mode: st.mode, uid: st.uid, gid: st.gid, ...patch };
    if (st.type === "link")
      return { type: "link", target: st.linkTarget ?? "", uid: base.uid, gid: base.gid };
    if (st.type === "directory")
      return {
        type: "directory",
        ...base,
        opaque: recorded !== "host" && recorded.type === "directory" && recorded.opaque,
      };
    const content = recorded !== "host" && recorded.type === "file" ? recorded.content : undefined;
    return { type: "file", ...base, ...(content ? { content } : {}) };
  }
}
