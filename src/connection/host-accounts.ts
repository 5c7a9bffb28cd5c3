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

/**
 * Users and groups of one host, looked up over `exec` with `getent` (falling back to /etc/passwd
 * and /etc/group where getent is missing) and cached for the whole run: names are resolved once.
 */
export class HostAccounts {
  private identityPromise: Promise<HostIdentity> | undefined;
  private readonly users = new Map<string, Promise<string[] | undefined>>();
  private readonly groups = new Map<string, Promise<string[] | undefined>>();

  constructor(private readonly exec: Exec) {}

  identity(): Promise<HostIdentity> {
    this.identityPromise ??= this.exec("id -u; id -g; umask").then((res) => {
      const [uid, gid, umask] = res.stdout.trim().split(/\s+/);
      if (res.rc !== 0 || uid === undefined || gid === undefined || umask === undefined)
        throw new TsibleError(`cannot tell which user runs commands on the host: ${res.stderr.trim()}`, {
          kind: "connection",
        });
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
      const field = /^\d+$/.test(key) ? 3 : 1;
      const command =
        `getent ${database} ${quote(key)} 2>/dev/null || ` +
        `awk -F: -v k=${quote(key)} '$${field} == k { print; exit }' /etc/${database}`;
      found = this.exec(command).then((res) => {
        const line = res.stdout.split("\n").find((l) => l.trim() !== "");
        return line === undefined ? undefined : line.split(":");
      });
      cache.set(key, found);
    }
    return found;
  }
}
