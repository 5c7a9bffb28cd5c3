// Compares tsible with outputs of Debian's ansible-core 2.14 (`ansible-inventory --list/--graph`,
// `ansible PATTERN --list-hosts`, `debug var=groups/group_names`) recorded in fixtures/expected/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inventoryAsGraph, inventoryAsList, loadInventory } from "../../src/inventory/index.js";

const fixtures = join(import.meta.dirname, "fixtures");
const site = join(fixtures, "site");
const expected = (name: string): string => readFileSync(join(fixtures, "expected", name), "utf8");

describe("compared with ansible-inventory", () => {
  it("lists a folder inventory (YAML + INI + group_vars/host_vars) as ansible-inventory --list", () => {
    expect(inventoryAsList(loadInventory([site]))).toEqual(JSON.parse(expected("site.list.json")));
  });

  it("draws the same --graph", () => {
    expect(inventoryAsGraph(loadInventory([site]))).toBe(expected("site.graph.txt").trimEnd());
  });

  it("types INI values as Ansible's INI parser does", () => {
    const list = inventoryAsList(loadInventory([join(fixtures, "ini-values.ini")]));
    expect(list).toEqual(JSON.parse(expected("ini-values.list.json")));
  });

  it("gives the same groups, group_names and implicit localhost vars", () => {
    const magic = JSON.parse(expected("site.magic.json")) as {
      groups: Record<string, string[]>;
      group_names: Record<string, string[]>;
      localhost: Record<string, unknown>;
    };
    const inventory = loadInventory([site]);
    expect(inventory.groupMap()).toEqual(magic.groups);
    for (const [host, names] of Object.entries(magic.group_names))
      expect(inventory.groupsOf(host)).toEqual(names);
    expect(inventory.match("localhost")).toEqual(["localhost"]);
    const localVars = inventory.hostVars("localhost");
    for (const [name, value] of Object.entries(magic.localhost)) expect(localVars[name]).toEqual(value);
  });

  const patterns = JSON.parse(expected("site.patterns.json")) as Record<string, string[]>;
  it.each(Object.entries(patterns))("matches %j like ansible --list-hosts", (pattern, hosts) => {
    expect(loadInventory([site]).match(pattern)).toEqual(hosts);
  });
});
