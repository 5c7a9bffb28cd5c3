import { TsibleError } from "../errors.js";
import type { ExecOptions, ExecResult } from "./types.js";

export type Exec = (command: string, opts?: Omit<ExecOptions, "become">) => Promise<ExecResult>;

/** Who the commands run as, and the umask new files get. */
export interface HostIdentity {
  uid: number;
  gid: number;
  umask: number;
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Prints the passwd/group line whose name (field 1) or id (field 3) is `key` (a shell word). */
function lookup(database: "passwd" | "group", key: string, field: 1 | 3): string {
  return (
    `getent ${database} ${key} 2>/dev/null || ` +
    `awk -F: -v k=${key} '$${field} == k { print; exit }' /etc/${database}`
  );
}

/**
 * Users and groups of one host, looked up over `exec` with `getent` (falling back to /etc/passwd
 * and /etc/group where getent is missing) and cached for the whole run: names are resolved once.
 */
export class HostAccounts {
  private identityPromise: Promise<HostIdentity> | undefined;
  private readonly users = new Map<string, Promise<string[] | undefined>>();
  private readonly groups = new Map<string, Promise<string[] | undefined>>();

  constructor(private readonly exec: Exec) {}

  /**
   * uid, gid and umask, with the names of that user and group in the same round trip: the files
   * a run writes are mostly its own, so their owner's names need no lookup of their own.
   */
  identity(): Promise<HostIdentity> {
    this.identityPromise ??= this.exec(
      [
        "u=$(id -u) && g=$(id -g) || exit 1",
        'echo "$u $g $(umask)"',
        `${lookup("passwd", '"$u"', 3)}; echo`,
        lookup("group", '"$g"', 3),
      ].join("\n"),
    ).then((res) => {
      const [ids = "", user, , group] = res.stdout.split("\n");
      const [uid, gid, umask] = ids.trim().split(/\s+/);
      if (res.rc !== 0 || uid === undefined || gid === undefined || umask === undefined)
        throw new TsibleError(`cannot tell which user runs commands on the host: ${res.stderr.trim()}`, {
          kind: "connection",
        });
      if (user) this.users.set(uid, Promise.resolve(user.split(":")));
      if (group) this.groups.set(gid, Promise.resolve(group.split(":")));
      return { uid: Number(uid), gid: Number(gid), umask: Number.parseInt(umask, 8) };
    });
    return this.identityPromise;
  }

  /** The uid for a user name or numeric string; an error naming the user when it does not exist. */
  async uidOf(owner: string): Promise<number> {
    if (/^\d+$/.test(owner)) return Number(owner);
    const entry = await this.entry("passwd", owner);
    if (!entry?.[2])
      throw new TsibleError(`chown failed: failed to look up user ${owner}`, { kind: "module" });
    return Number(entry[2]);
  }

  async gidOf(group: string): Promise<number> {
    if (/^\d+$/.test(group)) return Number(group);
    const entry = await this.entry("group", group);
    if (!entry?.[2])
      throw new TsibleError(`chgrp failed: failed to look up group ${group}`, { kind: "module" });
    return Number(entry[2]);
  }

  /** The user name of a uid, or the number as text when it has no name (as Ansible reports it). */
  async userName(uid: number): Promise<string> {
    return (await this.entry("passwd", String(uid)))?.[0] ?? String(uid);
  }

  async groupName(gid: number): Promise<string> {
    return (await this.entry("group", String(gid)))?.[0] ?? String(gid);
  }

  private entry(database: "passwd" | "group", key: string): Promise<string[] | undefined> {
    const cache = database === "passwd" ? this.users : this.groups;
    let found = cache.get(key);
    if (!found) {
      found = this.exec(lookup(database, quote(key), /^\d+$/.test(key) ? 3 : 1)).then((res) => {
        const line = res.stdout.split("\n").find((l) => l.trim() !== "");
        return line === undefined ? undefined : line.split(":");
      });
      cache.set(key, found);
    }
    return found;
  }
}
