import type { Inventory } from "./inventory.js";
import { setOwn } from "./own.js";

/** Variables `ansible-inventory` leaves out of its output (Ansible's INTERNAL_VARS that we set). */
const INTERNAL_VARS = new Set(["inventory_file", "inventory_dir"]);

/** The JSON that `ansible-inventory -i … --list` prints, for `tsible inventory --list` and tests. */
export function inventoryAsList(inventory: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const addGroup = (name: string): void => {
    const entry: Record<string, unknown> = {};
    const hosts = name === "all" ? [] : inventory.directHostsOf(name);
    const children = inventory.childrenOf(name);
    if (hosts.length > 0) entry.hosts = hosts;
    if (children.length > 0) entry.children = children;
    if (Object.keys(entry).length > 0) setOwn(out, name, entry);
    for (const child of children) {
      if (seen.has(child)) continue;
      seen.add(child);
      addGroup(child);
    }
  };
  addGroup("all");
  const hostvars: Record<string, unknown> = {};
  for (const host of inventory.hosts()) {
    const vars = Object.fromEntries(
      Object.entries(inventory.hostVars(host)).filter(([k]) => !INTERNAL_VARS.has(k)),
    );
    if (Object.keys(vars).length > 0) setOwn(hostvars, host, vars);
  }
  out._meta = { hostvars };
  return out;
}

/** The text that `ansible-inventory -i … --graph [group]` prints. */
export function inventoryAsGraph(inventory: Inventory, top = "all"): string {
  const lines: string[] = [];
  const draw = (name: string, depth: number): void => {
    lines.push(indent(`@${name}:`, depth));
    for (const child of inventory.childrenOf(name)) draw(child, depth + 1);
    if (name !== "all") for (const host of inventory.directHostsOf(name)) lines.push(indent(host, depth + 1));
  };
  draw(top, 0);
  return lines.join("\n");
}

function indent(name: string, depth: number): string {
  return depth === 0 ? name : `${"  |".repeat(depth)}--${name}`;
}
