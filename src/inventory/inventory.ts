import { TsibleError } from "../errors.js";
import type { InventoryData } from "./data.js";
import { type Group, Host, sortGroups } from "./model.js";
import { assignOwn, compareCodePoints, setOwn } from "./own.js";
import { evaluatePattern, type PatternScope } from "./patterns.js";
import type { ReadSource } from "./sources.js";
import type { VarsFiles } from "./vars-files.js";

/**
 * A loaded inventory: hosts, groups and their variables merged by Ansible's precedence, and host
 * patterns. Read-only, except that asking for `localhost` may create the implicit localhost.
 */
export class Inventory {
  /** Non-fatal findings (skipped keys, duplicate localhost, a host named like a group). */
  readonly warnings: readonly string[];
  private readonly varsCache = new Map<Host, Record<string, unknown>>();

  /** @internal built by loadInventory */
  constructor(
    private readonly data: InventoryData,
    private readonly sources: readonly ReadSource[],
    private readonly varsFiles: VarsFiles,
  ) {
    this.warnings = data.warnings;
  }

  /** Every host (not the implicit localhost), in the order Ansible runs them for `all`. */
  hosts(): string[] {
    return this.data
      .group("all")
      .allHosts()
      .map((h) => h.name);
  }

  /** Every group name, `all` and `ungrouped` first, then in the order they were defined. */
  groups(): string[] {
    return [...this.data.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.data.hosts.has(name);
  }

  hasGroup(name: string): boolean {
    return this.data.groups.has(name);
  }

  /** Ansible's `group_names`: sorted, without `all` (a host in no group shows `ungrouped`). */
  groupsOf(host: string): string[] {
    return this.host(host)
      .groups.filter((g) => g.name !== "all")
      .map((g) => g.name)
      .sort(compareCodePoints);
  }

  /** Ansible's `groups` magic variable: each group's hosts, including those of its children. */
  groupMap(): Record<string, string[]> {
    const map: Record<string, string[]> = {};
    for (const [name, group] of this.data.groups)
      setOwn(
        map,
        name,
        group.allHosts().map((h) => h.name),
      );
    return map;
  }

  /** The direct children of a group (for `--graph` style listings). */
  childrenOf(group: string): string[] {
    return this.group(group).children.map((g) => g.name);
  }

  /** The hosts listed directly in a group, not through its children. */
  directHostsOf(group: string): string[] {
    return this.group(group).hosts.map((h) => h.name);
  }

  /**
   * The host's inventory variables merged as Ansible does, low to high: `all`'s inline vars,
   * other groups' inline vars (by depth, ansible_group_priority, name), group_vars/all files,
   * the other groups' group_vars files (same order), the host's inline vars, host_vars files.
   * Includes `inventory_file`/`inventory_dir` as Ansible does. Values must not be mutated.
   */
  hostVars(host: string): Record<string, unknown> {
    const h = this.host(host);
    let vars = this.varsCache.get(h);
    if (!vars) {
      vars = this.mergeVars(h);
      this.varsCache.set(h, vars);
    }
    return { ...vars };
  }

  /** The inline and group_vars/ vars of one group alone (as `ansible-inventory --list --export`). */
  groupVars(group: string): Record<string, unknown> {
    const g = this.group(group);
    const vars = { ...g.vars };
    for (const dir of this.varsDirs()) assignOwn(vars, this.varsFiles.varsFor(dir, "group_vars", g.name));
    return vars;
  }

  /**
   * Host names selected by a host pattern (`all`, `*`, `web*`, `~re`, `a:b`, `a,b`, `a:&b`,
   * `a:!b`, `g[0]`, `g[1:3]`). A pattern that matches nothing gives [] (the caller warns).
   */
  match(pattern: string | string[]): string[] {
    const scope: PatternScope = {
      groups: this.data.groups,
      hosts: this.data.hosts,
      implicitLocalhost: (name) => this.implicitLocalhost(name),
    };
    return evaluatePattern(scope, pattern).map((h) => h.name);
  }

  private implicitLocalhost(name: string): Host {
    if (!this.data.localhost) {
      const host = new Host(name, true);
      setOwn(host.vars, "ansible_connection", "local");
      this.data.localhost = host;
    }
    return this.data.localhost;
  }

  private host(name: string): Host {
    const host = this.data.hosts.get(name);
    if (host) return host;
    if (this.data.localhost?.name === name) return this.data.localhost;
    if (name === "localhost" || name === "127.0.0.1" || name === "::1") return this.implicitLocalhost(name);
    throw new TsibleError(`unknown host '${name}'`, { kind: "usage" });
  }

  private group(name: string): Group {
    const group = this.data.groups.get(name);
    if (!group) throw new TsibleError(`unknown group '${name}'`, { kind: "usage" });
    return group;
  }

  private varsDirs(): string[] {
    return this.sources.flatMap((s) => (s.varsDir === undefined ? [] : [s.varsDir]));
  }

  private mergeVars(host: Host): Record<string, unknown> {
    const all = this.data.group("all");
    const groups = sortGroups(host.groups.filter((g) => g !== all));
    const dirs = this.varsDirs();
    const vars: Record<string, unknown> = {};
    assignOwn(vars, all.vars);
    for (const group of groups) assignOwn(vars, group.vars);
    for (const dir of dirs) assignOwn(vars, this.varsFiles.varsFor(dir, "group_vars", "all"));
    for (const dir of dirs) {
      for (const group of groups) assignOwn(vars, this.varsFiles.varsFor(dir, "group_vars", group.name));
    }
    assignOwn(vars, host.vars);
    for (const dir of dirs) assignOwn(vars, this.varsFiles.varsFor(dir, "host_vars", host.name));
    return vars;
  }
}
