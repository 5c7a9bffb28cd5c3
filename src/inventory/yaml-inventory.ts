import { formatLocation, type SourceLocation, TsibleError } from "../errors.js";
import { keyLocationOf, locationOf } from "../load/locations.js";
import { splitHostPattern } from "./address.js";
import type { InventoryData } from "./data.js";
import { expandHostRange, HostRangeError } from "./host-range.js";
import { setOwn } from "./own.js";

type Mapping = Record<string, unknown>;
const SECTIONS = ["vars", "children", "hosts"] as const;

function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Reads a YAML (or JSON) inventory already loaded by `parseYaml` into `data`, as Ansible's
 * `yaml` plugin: top-level groups with `hosts`, `vars` and `children`, nested to any depth.
 */
export function readYamlInventory(doc: unknown, file: string, data: InventoryData): void {
  const start: SourceLocation = { file, line: 1, col: 1 };
  if (doc === null || doc === undefined) return; // an empty file is an empty inventory
  if (!isMapping(doc)) {
    throw new TsibleError("YAML inventory has invalid structure: it should be a mapping of group names", {
      kind: "parse",
      location: locationOf(doc) ?? start,
      hint: "start with `all:` and put `hosts:`, `vars:` and `children:` under it",
    });
  }
  if ("plugin" in doc) {
    throw new TsibleError("inventory plugin configuration files are not supported", {
      kind: "parse",
      location: keyLocationOf(doc, "plugin") ?? start,
      hint: "list hosts and groups as a YAML or INI inventory",
    });
  }
  const reader = new YamlInventoryReader(data, file);
  for (const [name, groupData] of Object.entries(doc)) reader.group(name, groupData, doc);
}

class YamlInventoryReader {
  constructor(
    private readonly data: InventoryData,
    private readonly file: string,
  ) {}

  private where(node: unknown, key?: string): SourceLocation {
    return (
      (key === undefined ? locationOf(node) : keyLocationOf(node, key)) ?? {
        file: this.file,
        line: 1,
        col: 1,
      }
    );
  }

  /** Reads one group definition; `owner` is the mapping it is a key of (for locations). */
  group(name: string, groupData: unknown, owner: Mapping): string | undefined {
    const at = this.where(owner, name);
    if (groupData !== null && !isMapping(groupData)) {
      this.data.warnings.push(
        `${formatLocation(at)}: Skipping '${name}' as this is not a valid group definition`,
      );
      return undefined;
    }
    this.data.addGroup(name, at);
    if (groupData === null) return name;
    for (const [key, raw] of Object.entries(groupData)) {
      const value = this.section(name, groupData, key, raw);
      if (value === null) continue;
      if (!isMapping(value)) {
        this.data.warnings.push(
          `${formatLocation(this.where(groupData, key))}: Skipping key (${key}) in group (${name}) as it is not a mapping`,
        );
        continue;
      }
      if (key === "vars") {
        for (const [varName, varValue] of Object.entries(value)) {
          this.data.setGroupVar(name, varName, varValue, this.where(value, varName));
        }
      } else if (key === "children") {
        for (const [childName, childData] of Object.entries(value)) {
          const child = this.group(childName, childData, value);
          if (child !== undefined) this.data.addChild(name, child, this.where(value, childName));
        }
      } else if (key === "hosts") {
        for (const [pattern, hostVars] of Object.entries(value)) this.hosts(name, pattern, hostVars, value);
      } else {
        this.data.warnings.push(
          `${formatLocation(this.where(groupData, key))}: Skipping unexpected key (${key}) in group (${name}), only "vars", "children" and "hosts" are valid`,
        );
      }
    }
    return name;
  }

  /** A section's value; a single string under vars/children/hosts means `{name: null}`. */
  private section(group: string, groupData: Mapping, key: string, value: unknown): unknown {
    if (!(SECTIONS as readonly string[]).includes(key)) return value;
    if (typeof value === "string") {
      const single: Mapping = {};
      setOwn(single, value, null);
      return single;
    }
    if (value === undefined || value === null || isMapping(value)) return value;
    throw new TsibleError(
      `Invalid "${key}" entry for "${group}" group, requires a dictionary, found "${Array.isArray(value) ? "list" : typeof value}" instead.`,
      { kind: "parse", location: this.where(groupData, key), hint: listHint(key) },
    );
  }

  private hosts(group: string, pattern: string, hostVars: unknown, owner: Mapping): void {
    const at = this.where(owner, pattern);
    if (hostVars !== null && !isMapping(hostVars)) {
      throw new TsibleError(`vars of host '${pattern}' must be a mapping`, {
        kind: "parse",
        location: this.where(owner, pattern),
        hint: "write `host: {var: value}`, or leave the value empty",
      });
    }
    const { host, port } = splitHostPattern(pattern);
    let names: string[];
    try {
      names = expandHostRange(host);
    } catch (err) {
      if (err instanceof HostRangeError) throw new TsibleError(err.message, { kind: "parse", location: at });
      throw err;
    }
    for (const name of names) {
      const h = this.data.addHost(name, group, port, at);
      for (const [key, value] of Object.entries(hostVars ?? {})) setOwn(h.vars, key, value);
    }
  }
}

function listHint(section: string): string | undefined {
  return section === "hosts"
    ? "hosts are keys of a mapping: `hosts: {web1: , web2: }` or one per line ending in ':'"
    : undefined;
}
