import { type SourceLocation, TsibleError } from "../errors.js";
import { splitHostPattern } from "./address.js";
import type { InventoryData } from "./data.js";
import { expandHostRange, HostRangeError } from "./host-range.js";
import { setOwn } from "./own.js";
import { pythonLiteral } from "./py-literal.js";
import { shlexSplit } from "./shlex.js";

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/u;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;

/** A group named in `[x:children]` or `[x:vars]` before any `[x]` section declared it. */
interface Pending {
  state: "children" | "vars";
  line: number;
  parents: Array<{ name: string; line: number }>;
}

/**
 * Reads an INI inventory into `data`, as Ansible's `ini` plugin: `[group]`, `[group:vars]`,
 * `[group:children]`, host lines with `k=v` vars, ranges, and values read as Python literals.
 */
export function parseIniInventory(text: string, file: string, data: InventoryData): void {
  const pending = new Map<string, Pending>();
  let groupName = "ungrouped";
  let state = "hosts";
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const at: SourceLocation = { file, line: lineNo, col: 1 };
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;

    const section = SECTION.exec(line);
    if (section) {
      groupName = section[1]!;
      state = section[2] ?? "hosts";
      if (state !== "hosts" && state !== "children" && state !== "vars") {
        throw iniError(
          `Section [${groupName}:${state}] has unknown type: ${state}`,
          at,
          "use [group], [group:vars] or [group:children]",
        );
      }
      if (!data.groups.has(groupName)) {
        if (state === "vars" && !pending.has(groupName))
          pending.set(groupName, { state, line: lineNo, parents: [] });
        data.addGroup(groupName, at);
      }
      const declared = pending.get(groupName);
      if (declared && state !== "vars") {
        if (declared.state === "children") addPendingChildren(groupName, pending, data, file);
        else pending.delete(groupName);
      }
      return;
    }
    if (line.startsWith("[") && line.endsWith("]")) {
      throw iniError(
        `Invalid section entry: '${line}'`,
        at,
        "make sure there are no spaces in the section entry and no other invalid characters",
      );
    }

    if (state === "hosts") addHostLine(line, groupName, at, data);
    else if (state === "vars") {
      const eq = line.indexOf("=");
      if (eq < 0) throw iniError(`Expected key=value, got: ${line}`, at);
      data.setGroupVar(groupName, line.slice(0, eq).trim(), literalOrText(line.slice(eq + 1).trim()), at);
    } else {
      const child = GROUP_NAME.exec(line)?.[1];
      if (child === undefined) throw iniError(`Expected group name, got: ${line}`, at);
      if (data.groups.has(child)) data.addChild(groupName, child, at);
      else {
        const declared = pending.get(child) ?? { state: "children", line: lineNo, parents: [] };
        declared.parents.push({ name: groupName, line: lineNo });
        pending.set(child, declared);
      }
    }
  });

  for (const [name, declared] of pending) {
    if (declared.state === "vars") {
      throw iniError(`Section [${name}:vars] not valid for undefined group: ${name}`, {
        file,
        line: declared.line,
        col: 1,
      });
    }
    const parent = declared.parents.at(-1)!;
    throw iniError(
      `Section [${parent.name}:children] includes undefined group: ${name}`,
      {
        file,
        line: parent.line,
        col: 1,
      },
      `declare it with a [${name}] section`,
    );
  }
}

function addPendingChildren(
  group: string,
  pending: Map<string, Pending>,
  data: InventoryData,
  file: string,
): void {
  const declared = pending.get(group)!;
  for (const parent of declared.parents) {
    data.addChild(parent.name, group, { file, line: parent.line, col: 1 });
    if (pending.get(parent.name)?.state === "children") addPendingChildren(parent.name, pending, data, file);
  }
  pending.delete(group);
}

function addHostLine(line: string, groupName: string, at: SourceLocation, data: InventoryData): void {
  let tokens: string[];
  try {
    tokens = shlexSplit(line);
  } catch (err) {
    throw iniError(`Error parsing host definition '${line}': ${(err as Error).message}`, at);
  }
  const pattern = tokens[0];
  if (pattern === undefined) return; // a line that is only a comment after whitespace
  const { host, port } = splitHostPattern(pattern);
  if (pattern.trim().endsWith(":") && port === undefined) {
    throw iniError(
      `Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed`,
      at,
      "this character is reserved to provide a port",
    );
  }
  let names: string[];
  try {
    names = expandHostRange(host);
  } catch (err) {
    if (err instanceof HostRangeError) throw iniError(err.message, at);
    throw err;
  }
  if (names.some((n) => n.trim() === "---")) {
    throw iniError(
      `Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file`,
      at,
      "name YAML inventories *.yml or *.yaml",
    );
  }
  const vars: Array<[string, unknown]> = [];
  for (const token of tokens.slice(1)) {
    const eq = token.indexOf("=");
    if (eq < 0) throw iniError(`Expected key=value host variable assignment, got: ${token}`, at);
    vars.push([token.slice(0, eq), literalOrText(token.slice(eq + 1))]);
  }
  for (const name of names) {
    const h = data.addHost(name, groupName, port, at);
    for (const [key, value] of vars) setOwn(h.vars, key, value);
  }
}

/** Ansible's `_parse_value`: a Python literal becomes its value, anything else stays text. */
function literalOrText(text: string): unknown {
  const parsed = pythonLiteral(text);
  return parsed.ok ? parsed.value : text;
}

function iniError(message: string, location: SourceLocation, hint?: string): TsibleError {
  return new TsibleError(message, { kind: "parse", location, ...(hint ? { hint } : {}) });
}
