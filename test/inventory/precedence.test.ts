import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inventoryAsList, loadInventory } from "../../src/inventory/index.js";
import { writeTree } from "./write-tree.js";

const fixtures = join(import.meta.dirname, "fixtures");

describe("variable precedence", () => {
  it("matches ansible-inventory for two sources with inline vars, priorities and vars files", () => {
    // Recorded with: ansible-inventory -i precedence/first/hosts.yml -i precedence/second/hosts --list
    const inventory = loadInventory([
      join(fixtures, "precedence/first/hosts.yml"),
      join(fixtures, "precedence/second/hosts"),
    ]);
    const expected = JSON.parse(readFileSync(join(fixtures, "expected/precedence.list.json"), "utf8"));
    expect(inventoryAsList(inventory)).toEqual(expected);
  });

  it("lets deeper groups win, then ansible_group_priority, then the group name", () => {
    const dir = writeTree({
      "hosts.yml": [
        "top:",
        "  vars: {depth: top, tie: top, by_name: top}",
        "  children:",
        "    deep:",
        "      vars: {depth: deep}",
        "      hosts: {h: }",
        "zeta:",
        "  vars: {tie: zeta, by_name: zeta}",
        "  hosts: {h: }",
        "alpha:",
        "  vars: {tie: alpha, ansible_group_priority: 3}",
        "  hosts: {h: }",
      ].join("\n"),
    });
    const inventory = loadInventory([join(dir, "hosts.yml")]);
    // Order: top, zeta (depth 1, priority 1, by name), alpha (depth 1, priority 3), deep (depth 2).
    expect(inventory.hostVars("h")).toMatchObject({ depth: "deep", tie: "alpha", by_name: "zeta" });
    expect(inventory.groupVars("alpha")).not.toHaveProperty("ansible_group_priority");
  });

  it("lets every group_vars file override every inline group var, as Ansible's default precedence", () => {
    const dir = writeTree({
      "hosts.yml": "all:\n  children:\n    web:\n      vars: {port: 80}\n      hosts: {w: {own: inline}}\n",
      "group_vars/all.yml": "port: 8080\nown: all-file\n",
    });
    // group_vars/all.yml beats web's inline var, but not the host's own inline var.
    expect(loadInventory([dir]).hostVars("w")).toMatchObject({ port: 8080, own: "inline" });
  });

  it("lets host_vars files override inline host vars, and the last inline definition win", () => {
    const dir = writeTree({
      "hosts.ini": "[a]\nh x=1 from=inline\n[b]\nh x=2\n",
      "host_vars/h.yml": "from: file\n",
    });
    expect(loadInventory([join(dir, "hosts.ini")]).hostVars("h")).toMatchObject({ x: 2, from: "file" });
  });

  it("replaces whole dictionaries rather than merging them (hash_behaviour=replace)", () => {
    const dir = writeTree({
      "hosts.yml": "web:\n  vars:\n    opts: {a: 1, b: 1}\n  hosts:\n    w:\n      opts: {b: 2}\n",
    });
    expect(loadInventory([join(dir, "hosts.yml")]).hostVars("w").opts).toEqual({ b: 2 });
  });

  it("keeps keys such as __proto__ as plain data", () => {
    const dir = writeTree({ "hosts.yml": "web:\n  hosts:\n    w:\n      __proto__: {polluted: true}\n" });
    const vars = loadInventory([join(dir, "hosts.yml")]).hostVars("w");
    expect(Object.hasOwn(vars, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((vars as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
