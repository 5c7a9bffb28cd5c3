import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/index.js";
import { writeTree } from "./write-tree.js";

// Checked with `ansible -i hosts.ini PATTERN --list-hosts` (2.14). More cases are compared with `ansible --list-hosts` in golden.test.ts; these cover the rest.
function fleet() {
  const dir = writeTree({
    "hosts.ini": [
      "[web]",
      "web1",
      "web2",
      "web3",
      "[db]",
      "db1",
      "web2",
      "[staging]",
      "web3",
      "db1",
      "[all_web:children]",
      "web",
    ].join("\n"),
  });
  return loadInventory([join(dir, "hosts.ini")]);
}

describe("host patterns", () => {
  const table: Array<[pattern: string | string[], hosts: string[]]> = [
    ["web:db", ["web1", "web2", "web3", "db1"]],
    ["db:web", ["db1", "web2", "web1", "web3"]],
    ["web:&db", ["web2"]],
    ["web:!db", ["web1", "web3"]],
    // Exclusions apply after every union, wherever they are written (Ansible's order_patterns).
    ["!db:web", ["web1", "web3"]],
    ["web:!staging:&db", ["web2"]],
    ["&staging:!db", ["web3"]],
    [
      ["web", "!web2"],
      ["web1", "web3"],
    ],
    ["web[0]:db[0]", ["web1", "db1"]],
    ["web[5:9]", []],
    ["all_web", ["web1", "web2", "web3"]],
    ["all_*", ["web1", "web2", "web3"]],
    ["~(web|db)1", ["web1", "db1"]],
    ["~WEB", []],
    ["WEB1", []],
    ["nothing*", []],
    ["", ["db1", "web2", "web3", "web1"]], // `all`: its children db, staging, all_web, then web
  ];
  it.each(table)("%j", (pattern, hosts) => {
    expect(fleet().match(pattern)).toEqual(hosts);
  });

  it("refuses an index past the end, as Ansible does", () => {
    expect(() => fleet().match("web[3]")).toThrow(/No hosts matched the subscripted pattern 'web\[3\]'/);
  });

  it("refuses an invalid regular expression", () => {
    expect(() => fleet().match("~web(")).toThrow(/Invalid host list pattern: ~web\(/);
  });

  it("hands out copies of host vars", () => {
    const inventory = fleet();
    inventory.hostVars("web1").changed = true;
    expect(inventory.hostVars("web1")).not.toHaveProperty("changed");
  });
});
