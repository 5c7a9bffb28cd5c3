import { dirname } from "node:path";
import { type SourceLocation, TsibleError } from "../errors.js";
import { Group, Host } from "./model.js";
import { setOwn } from "./own.js";

/** The names Ansible treats as this machine: a pattern naming one gets an implicit host. */
export const LOCALHOST_NAMES: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * The inventory while sources are read into it: groups and hosts in the order they were first
 * seen, as Ansible's InventoryData. `reconcile()` finishes it once every source is read.
 */
export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  readonly warnings: string[] = [];
  /** The first localhost-like host of the inventory, or the implicit one once a pattern asks. */
  localhost: Host | undefined;
  /** The file being read, recorded on new hosts as `inventory_file`. */
  currentSource: string | undefined;

  constructor() {
    this.addGroup("all");
    this.addGroup("ungrouped");
    this.addChild("all", "ungrouped");
  }

  group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new TsibleError(`unknown group '${name}'`, { kind: "internal" });
    return group;
  }

  addGroup(name: string, at?: SourceLocation): Group {
    const existing = this.groups.get(name);
    if (existing) return existing;
    checkName("group", name, at);
    const group = new Group(name, at);
    this.groups.set(name, group);
    return group;
  }

  addHost(name: string, groupName: string | undefined, port: number | undefined, at?: SourceLocation): Host {
    const group = groupName === undefined ? undefined : this.group(groupName);
    let host = this.hosts.get(name);
    if (!host) {
      checkName("host", name, at);
      host = new Host(name, false, at);
      this.hosts.set(name, host);
      setOwn(host.vars, "inventory_file", this.currentSource ?? null);
      setOwn(host.vars, "inventory_dir", this.currentSource ? dirname(this.currentSource) : null);
      if (port !== undefined) setOwn(host.vars, "ansible_port", port);
      if (LOCALHOST_NAMES.has(name)) {
        if (this.localhost) {
          this.warnings.push(
            `A duplicate localhost-like entry was found (${name}). First found localhost was ${this.localhost.name}`,
          );
        } else this.localhost = host;
      }
    }
    if (group && !group.hosts.includes(host)) group.hosts.push(host);
    return host;
  }

  /** Makes `childName` a child group of `parentName`, refusing cycles as Ansible does. */
  addChild(parentName: string, childName: string, at?: SourceLocation): void {
    const parent = this.group(parentName);
    const child = this.group(childName);
    if (parent === child) {
      throw new TsibleError(`group '${childName}' cannot be a child of itself`, {
        kind: "parse",
        location: at,
      });
    }
    if (parent.children.includes(child)) return;
    if (parent.ancestors().has(child)) {
      throw new TsibleError(
        `Adding group '${childName}' as child to '${parentName}' creates a recursive dependency loop.`,
        { kind: "parse", location: at, hint: `'${childName}' is already an ancestor of '${parentName}'` },
      );
    }
    parent.children.push(child);
    if (!child.parents.includes(parent)) child.parents.push(parent);
  }

  setGroupVar(groupName: string, key: string, value: unknown, at?: SourceLocation): void {
    const group = this.group(groupName);
    if (key !== "ansible_group_priority") {
      setOwn(group.vars, key, value);
      return;
    }
    const priority =
      typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
    if (!Number.isInteger(priority)) {
      throw new TsibleError(`ansible_group_priority of group '${groupName}' must be an integer`, {
        kind: "parse",
        location: at,
      });
    }
    group.priority = priority;
  }

  /**
   * Ansible's `reconcile_inventory`: groups without a parent go under `all`; a host in no group
   * goes to `ungrouped`, and leaves it when it is also in a real group; depths are computed.
   */
  reconcile(): void {
    const all = this.group("all");
    const ungrouped = this.group("ungrouped");
    for (const group of this.groups.values()) {
      if (group !== all && group.parents.length === 0) this.addChild("all", group.name);
    }
    assignDepths(all);
    const membership = this.membership();
    for (const host of this.hosts.values()) {
      const groups = membership.get(host) ?? new Set<Group>();
      const real = [...groups].filter((g) => g !== all && g !== ungrouped);
      if (groups.has(ungrouped) && real.length > 0) {
        ungrouped.hosts.splice(ungrouped.hosts.indexOf(host), 1);
        host.groups = [...groups].filter((g) => g !== ungrouped);
      } else if (!groups.has(ungrouped) && real.length === 0) {
        ungrouped.hosts.push(host);
        host.groups = [all, ungrouped];
      } else host.groups = [...groups];
    }
    for (const name of this.groups.keys()) {
      if (this.hosts.has(name)) this.warnings.push(`Found both group and host with same name: ${name}`);
    }
  }

  /** For each host, the groups it is in directly and their ancestors. */
  private membership(): Map<Host, Set<Group>> {
    const membership = new Map<Host, Set<Group>>();
    for (const group of this.groups.values()) {
      const withAncestors = [group, ...group.ancestors()];
      for (const host of group.hosts) {
        const groups = membership.get(host) ?? new Set<Group>();
        for (const g of withAncestors) groups.add(g);
        membership.set(host, groups);
      }
    }
    return membership;
  }
}

/** Depth = the longest path from `all`, as Ansible keeps it while adding children. */
function assignDepths(all: Group): void {
  const visit = (group: Group, depth: number): void => {
    if (group.depth >= depth && group !== all) return;
    group.depth = depth;
    for (const child of group.children) visit(child, depth + 1);
  };
  visit(all, 0);
}

function checkName(kind: "host" | "group", name: string, at: SourceLocation | undefined): void {
  if (name.trim() === "") {
    throw new TsibleError(`empty ${kind} name`, { kind: "parse", location: at });
  }
  if (/\s/.test(name)) {
    throw new TsibleError(`${kind} name '${name}' contains whitespace`, {
      kind: "parse",
      location: at,
      hint: `${kind} names may not contain spaces; use '_' or '-' instead`,
    });
  }
}
