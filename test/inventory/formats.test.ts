import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/index.js";
import { writeTree } from "./write-tree.js";

describe("YAML inventories", () => {
  it("reads nested groups, host vars, ranges and ports", () => {
    const dir = writeTree({
      "hosts.yml": [
        "all:",
        "  hosts:",
        "    top:",
        "  children:",
        "    web:",
        "      hosts:",
        "        web[1:3]:",
        "          tier: front",
        "        'app-[a:b]:2222':",
        "      children:",
        "        canary:",
        "          hosts: web3",
        "extra:",
        "  hosts:",
        "    lone:",
      ].join("\n"),
    });
    const inventory = loadInventory([join(dir, "hosts.yml")]);
    expect(inventory.hosts()).toEqual(["top", "web1", "web2", "web3", "app-a", "app-b", "lone"]);
    expect(inventory.groupMap()).toEqual({
      all: ["top", "web1", "web2", "web3", "app-a", "app-b", "lone"],
      ungrouped: ["top"],
      web: ["web1", "web2", "web3", "app-a", "app-b"],
      canary: ["web3"],
      extra: ["lone"],
    });
    expect(inventory.hostVars("web2")).toMatchObject({ tier: "front" });
    expect(inventory.hostVars("app-b")).toMatchObject({ ansible_port: 2222 });
    expect(inventory.hostVars("top")).toMatchObject({
      inventory_file: join(dir, "hosts.yml"),
      inventory_dir: dir,
    });
    expect(inventory.groupsOf("web3")).toEqual(["canary", "web"]);
  });

  it("reads JSON inventories with the same structure", () => {
    const dir = writeTree({
      "inv.json": '{"db": {"hosts": {"db1": {"port": 5432}}, "vars": {"engine": "pg"}}}',
    });
    const inventory = loadInventory([join(dir, "inv.json")]);
    expect(inventory.hostVars("db1")).toMatchObject({ port: 5432, engine: "pg" });
  });

  it("warns about keys it skips, as Ansible does", () => {
    const dir = writeTree({ "inv.yml": "web:\n  hosts:\n    w1:\n  host:\n    typo: 1\n" });
    const inventory = loadInventory([join(dir, "inv.yml")]);
    expect(inventory.warnings.join("\n")).toMatch(
      /inv\.yml:4:3: Skipping unexpected key \(host\) in group \(web\)/,
    );
  });

  it("treats an empty file as an empty inventory", () => {
    const dir = writeTree({ "empty.yml": "# nothing yet\n" });
    expect(loadInventory([join(dir, "empty.yml")]).hosts()).toEqual([]);
  });
});

describe("INI inventories", () => {
  it("reads sections, children declared before their group, vars and ranges", () => {
    const dir = writeTree({
      "hosts.ini": [
        "top ansible_host=127.0.0.2",
        "[prod:children]",
        "web",
        "[web]",
        "web[01:02].example.com",
        "10.0.0.[1:2] ansible_user=admin",
        "[web:vars]",
        "http_port=8080",
        "[prod:vars]",
        "env=prod",
      ].join("\n"),
    });
    const inventory = loadInventory([join(dir, "hosts.ini")]);
    expect(inventory.hosts()).toEqual([
      "top",
      "web01.example.com",
      "web02.example.com",
      "10.0.0.1",
      "10.0.0.2",
    ]);
    expect(inventory.childrenOf("prod")).toEqual(["web"]);
    expect(inventory.hostVars("10.0.0.2")).toMatchObject({
      ansible_user: "admin",
      http_port: 8080,
      env: "prod",
    });
    expect(inventory.hostVars("top")).toMatchObject({ ansible_host: "127.0.0.2" });
    expect(inventory.groupsOf("top")).toEqual(["ungrouped"]);
  });

  it("reads a file without extension as INI when it is not a YAML mapping", () => {
    const dir = writeTree({ hosts: "[web]\nw1\nw2 x=1\n" });
    expect(loadInventory([join(dir, "hosts")]).match("web")).toEqual(["w1", "w2"]);
  });

  it("reads a file without extension as YAML when it is a mapping", () => {
    const dir = writeTree({ hosts: "web:\n  hosts:\n    w1:\n" });
    expect(loadInventory([join(dir, "hosts")]).match("web")).toEqual(["w1"]);
  });
});

describe("folder inventories", () => {
  it("reads every inventory file in lexical order and skips what Ansible skips", () => {
    const dir = writeTree({
      "b-second.yml": "two:\n  hosts:\n    h2:\n",
      "a-first": "[one]\nh1\n",
      "nested/c-third.yml": "three:\n  hosts:\n    h3:\n",
      "README.md": "[not inventory",
      "notes.txt": "[not inventory",
      "legacy.ini": "[ignored]\nignored-host\n",
      "old.yml~": "[not inventory",
      "backup.bak": "[not inventory",
      ".hidden": "[not inventory",
      "group_vars/all.yml": "x: 1\n",
      "host_vars/h1.yml": "from_host_file: 2\n",
    });
    const inventory = loadInventory([dir]);
    expect(inventory.hosts()).toEqual(["h1", "h2", "h3"]);
    expect(inventory.hasGroup("ignored")).toBe(false);
    expect(inventory.hostVars("h1")).toMatchObject({ x: 1, from_host_file: 2 });
  });

  it("reads group_vars and host_vars beside a single inventory file", () => {
    const dir = writeTree({
      "inv/hosts.yml": "web:\n  hosts:\n    w1:\n",
      "inv/group_vars/web.yml": "from_group_file: true\n",
      "inv/host_vars/w1.yaml": "from_host_file: true\n",
    });
    expect(loadInventory([join(dir, "inv/hosts.yml")]).hostVars("w1")).toMatchObject({
      from_group_file: true,
      from_host_file: true,
    });
  });

  it("merges a vars folder's files in lexical order, recursing into sub-folders", () => {
    const dir = writeTree({
      "hosts.yml": "web:\n  hosts:\n    w1:\n",
      "group_vars/web/b.yml": "order: b\nb: 1\n",
      "group_vars/web/a.yml": "order: a\na: 1\n",
      "group_vars/web/c/inner.yml": "order: c-inner\n",
      "group_vars/web/d.json": '{"json": true}',
      "group_vars/web/ignored.txt": "order: txt\n",
      "group_vars/web/.hidden.yml": "order: hidden\n",
      "group_vars/web/e.yml~": "order: backup\n",
      "group_vars/web.yml": "shadowed: true\n",
    });
    const vars = loadInventory([join(dir, "hosts.yml")]).hostVars("w1");
    expect(vars).toMatchObject({ order: "c-inner", a: 1, b: 1, json: true });
    expect(vars).not.toHaveProperty("shadowed");
  });

  it("prefers a vars file without extension over NAME.yml, as Ansible looks for it first", () => {
    const dir = writeTree({
      "hosts.yml": "all:\n  hosts:\n    h:\n",
      "host_vars/h": "which: plain\n",
      "host_vars/h.yml": "which: yml\n",
    });
    expect(loadInventory([dir]).hostVars("h")).toMatchObject({ which: "plain" });
  });
});

describe("host lists and several sources", () => {
  it("reads a comma-separated host list with ports", () => {
    const inventory = loadInventory(["alpha, beta:2200,"]);
    expect(inventory.hosts()).toEqual(["alpha", "beta"]);
    expect(inventory.groupMap().ungrouped).toEqual(["alpha", "beta"]);
    expect(inventory.hostVars("beta")).toMatchObject({ ansible_port: 2200, inventory_file: null });
  });

  it("merges several sources; a group from an earlier one can be extended", () => {
    const dir = writeTree({
      "one.yml": "web:\n  hosts:\n    w1:\n  vars:\n    x: one\n",
      "two.ini": "[web]\nw2\n[web:vars]\nx=two\n",
    });
    const inventory = loadInventory([join(dir, "one.yml"), join(dir, "two.ini"), "extra,"]);
    expect(inventory.match("web")).toEqual(["w1", "w2"]);
    expect(inventory.hostVars("w1")).toMatchObject({ x: "two" });
    // `ungrouped` is the first child of `all`, so its hosts come first (as `ansible all --list-hosts`).
    expect(inventory.hosts()).toEqual(["extra", "w1", "w2"]);
  });
});

describe("implicit localhost", () => {
  it("exists only when a pattern names it and the inventory lacks it", () => {
    const dir = writeTree({
      "hosts.yml": "all:\n  vars:\n    shared: 1\n  hosts:\n    web:\n",
      "group_vars/all.yml": "from_all_file: 2\n",
      "host_vars/localhost.yml": "own: 3\n",
    });
    const inventory = loadInventory([join(dir, "hosts.yml")]);
    expect(inventory.hosts()).toEqual(["web"]);
    expect(inventory.match("localhost")).toEqual(["localhost"]);
    expect(inventory.match("all")).toEqual(["web"]);
    expect(inventory.groupMap().all).toEqual(["web"]);
    expect(inventory.groupsOf("localhost")).toEqual([]);
    expect(inventory.hostVars("localhost")).toEqual({
      ansible_connection: "local",
      shared: 1,
      from_all_file: 2,
      own: 3,
    });
  });

  it("is the inventory's own localhost when it has one", () => {
    const inventory = loadInventory(["localhost,"]);
    expect(inventory.match("localhost")).toEqual(["localhost"]);
    expect(inventory.match("127.0.0.1")).toEqual(["localhost"]);
    expect(inventory.hostVars("localhost")).not.toHaveProperty("ansible_connection");
  });
});
