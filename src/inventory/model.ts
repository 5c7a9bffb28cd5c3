import type { SourceLocation } from "../errors.js";

/** A host as Ansible's inventory keeps it: its own (inline) vars and the groups it belongs to. */
export class Host {
  /** Inline vars from the inventory file, in the order they were set. */
  readonly vars: Record<string, unknown> = {};
  /** Every group the host is in, directly or through a child group (filled by `reconcile`). */
  groups: Group[] = [];

  constructor(
    readonly name: string,
    readonly implicit = false,
    readonly location?: SourceLocation,
  ) {}
}

/** A group: its direct hosts, child and parent groups, inline vars and sort keys. */
export class Group {
  readonly hosts: Host[] = [];
  readonly children: Group[] = [];
  readonly parents: Group[] = [];
  readonly vars: Record<string, unknown> = {};
  /** `ansible_group_priority`: among groups of the same depth, higher wins. */
  priority = 1;
  /** Longest distance from `all`; deeper groups' vars win. */
  depth = 0;

  constructor(
    readonly name: string,
    readonly location?: SourceLocation,
  ) {}

  /** All groups above this one. */
  ancestors(): Set<Group> {
    return walk(this, (g) => g.parents);
  }

  /**
   * This group, then its children, then theirs (breadth first, each once): the order in which
   * Ansible collects a group's hosts.
   */
  selfAndDescendants(): Group[] {
    const ordered: Group[] = [this];
    const seen = new Set<Group>([this]);
    let level: Group[] = [this];
    while (level.length > 0) {
      const next: Group[] = [];
      for (const group of level) {
        for (const child of group.children) {
          if (seen.has(child)) continue;
          seen.add(child);
          ordered.push(child);
          next.push(child);
        }
      }
      level = next;
    }
    return ordered;
  }

  /** The hosts of this group and of every group below it, each once, in Ansible's order. */
  allHosts(): Host[] {
    const seen = new Set<Host>();
    for (const group of this.selfAndDescendants()) {
      for (const host of group.hosts) if (!host.implicit) seen.add(host);
    }
    return [...seen];
  }
}

function walk(start: Group, next: (g: Group) => Group[]): Set<Group> {
  const seen = new Set<Group>();
  const queue = [...next(start)];
  for (let g = queue.shift(); g; g = queue.shift()) {
    if (seen.has(g)) continue;
    seen.add(g);
    queue.push(...next(g));
  }
  return seen;
}

/** Ansible's `sort_groups`: by depth, then priority, then name. Later groups' vars win. */
export function sortGroups(groups: Iterable<Group>): Group[] {
  return [...groups].sort(
    (a, b) =>
      a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
