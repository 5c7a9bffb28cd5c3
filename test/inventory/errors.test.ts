import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isTsibleError, type TsibleError } from "../../src/errors.js";
import { loadInventory } from "../../src/inventory/index.js";
import { writeTree } from "./write-tree.js";

function loadError(files: Record<string, string>, source: string): TsibleError {
  const dir = writeTree(files);
  try {
    loadInventory([join(dir, source)]);
  } catch (err) {
    if (isTsibleError(err)) return err;
    throw err;
  }
  throw new Error("expected loadInventory to fail");
}

const cases: Array<{
  name: string;
  files: Record<string, string>;
  source?: string;
  message: RegExp;
  at: [file: string, line: number, col: number];
}> = [
  {
    name: "malformed YAML",
    files: { "hosts.yml": "web:\n  hosts:\n    w1: {a: 1\n" },
    message: /YAML syntax error/,
    at: ["hosts.yml", 4, 1],
  },
  {
    name: "a YAML hosts section written as a list",
    files: { "hosts.yml": "web:\n  hosts:\n    - w1\n" },
    message: /Invalid "hosts" entry for "web" group, requires a dictionary, found "list"/,
    at: ["hosts.yml", 2, 3],
  },
  {
    name: "a YAML inventory that is not a mapping",
    files: { "hosts.yml": "- web\n- db\n" },
    message: /YAML inventory has invalid structure/,
    at: ["hosts.yml", 1, 1],
  },
  {
    name: "a YAML group that is its own ancestor",
    files: {
      "hosts.yml":
        "all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n",
    },
    message: /Adding group 'b' as child to 'a' creates a recursive dependency loop/,
    at: ["hosts.yml", 5, 9],
  },
  {
    name: "an INI group cycle",
    files: { "hosts.ini": "[a:children]\nb\n\n[b:children]\na\n" },
    message: /Adding group 'a' as child to 'b' creates a recursive dependency loop/,
    at: ["hosts.ini", 5, 1],
  },
  {
    name: "an INI group that is its own child",
    files: { "hosts.ini": "[a]\nh\n[a:children]\na\n" },
    message: /group 'a' cannot be a child of itself/,
    at: ["hosts.ini", 4, 1],
  },
  {
    name: "an invalid INI host range",
    files: { "hosts.ini": "[web]\nweb[1:]\n" },
    message: /invalid host range in 'web\[1:\]'/,
    at: ["hosts.ini", 2, 1],
  },
  {
    name: "a reversed host range in YAML",
    files: { "hosts.yml": "web:\n  hosts:\n    ok:\n    web[9:2]:\n" },
    message: /begin must be <= end/,
    at: ["hosts.yml", 4, 5],
  },
  {
    name: "zero-padded ranges of different widths",
    files: { "hosts.ini": "web[01:100]\n" },
    message: /same width/,
    at: ["hosts.ini", 1, 1],
  },
  {
    name: "a section name with a space",
    files: { "hosts.ini": "[web servers]\nw1\n" },
    message: /Invalid section entry: '\[web servers\]'/,
    at: ["hosts.ini", 1, 1],
  },
  {
    name: "a YAML group name with a space",
    files: { "hosts.yml": "all:\n  children:\n    web servers:\n      hosts: {w1: }\n" },
    message: /group name 'web servers' contains whitespace/,
    at: ["hosts.yml", 3, 5],
  },
  {
    name: "a YAML host name with a space",
    files: { "hosts.yml": "web:\n  hosts:\n    w1:\n    my host:\n" },
    message: /host name 'my host' contains whitespace/,
    at: ["hosts.yml", 4, 5],
  },
  {
    name: "a quoted INI host name with a space",
    files: { "hosts.ini": "# web\n'my host' a=1\n" },
    message: /host name 'my host' contains whitespace/,
    at: ["hosts.ini", 2, 1],
  },
  {
    name: "an INI host variable without '='",
    files: { "hosts.ini": "[web]\nw1 ansible_host\n" },
    message: /Expected key=value host variable assignment, got: ansible_host/,
    at: ["hosts.ini", 2, 1],
  },
  {
    name: "an unclosed quote on an INI host line",
    files: { "hosts.ini": "\n\nw1 name='open\n" },
    message: /No closing quotation/,
    at: ["hosts.ini", 3, 1],
  },
  {
    name: "an INI vars line without '='",
    files: { "hosts.ini": "[web]\nw1\n[web:vars]\nport 80\n" },
    message: /Expected key=value, got: port 80/,
    at: ["hosts.ini", 4, 1],
  },
  {
    name: "an unknown INI section type",
    files: { "hosts.ini": "[web:host]\nw1\n" },
    message: /Section \[web:host\] has unknown type: host/,
    at: ["hosts.ini", 1, 1],
  },
  {
    name: "INI vars for a group never declared",
    files: { "hosts.ini": "[web]\nw1\n[db:vars]\nport=5432\n" },
    message: /Section \[db:vars\] not valid for undefined group: db/,
    at: ["hosts.ini", 3, 1],
  },
  {
    name: "INI children naming an undefined group",
    files: { "hosts.ini": "[prod:children]\nweb\n" },
    message: /Section \[prod:children\] includes undefined group: web/,
    at: ["hosts.ini", 2, 1],
  },
  {
    name: "a YAML file given as INI",
    files: { "hosts.ini": "---\nall:\n" },
    message: /'---' is normally a sign this is a YAML file/,
    at: ["hosts.ini", 1, 1],
  },
  {
    name: "a host pattern ending in ':'",
    files: { "hosts.ini": "[web]\nw1:\n" },
    message: /ending in ':' is not allowed/,
    at: ["hosts.ini", 2, 1],
  },
  {
    name: "a non-integer ansible_group_priority",
    files: { "hosts.ini": "[web]\nw1\n[web:vars]\nansible_group_priority=high\n" },
    message: /ansible_group_priority of group 'web' must be an integer/,
    at: ["hosts.ini", 4, 1],
  },
  {
    name: "malformed YAML in a group_vars file",
    files: { "hosts.ini": "[web]\nw1\n", "group_vars/web.yml": "port: 80\nport: 81\n" },
    source: "hosts.ini",
    message: /YAML syntax error/,
    at: ["group_vars/web.yml", 2, 1],
  },
  {
    name: "a host_vars file that is a list",
    files: { "hosts.ini": "w1\n", "host_vars/w1/main.yml": "\n- a\n- b\n" },
    source: "hosts.ini",
    message: /a vars file must contain a mapping/,
    at: ["host_vars/w1/main.yml", 2, 1],
  },
];

describe("inventory errors carry file:line:col", () => {
  it.each(cases)("$name", ({ files, source, message, at }) => {
    const dir = writeTree(files);
    let error: TsibleError | undefined;
    try {
      loadInventory([join(dir, source ?? Object.keys(files)[0]!)]);
    } catch (err) {
      if (!isTsibleError(err)) throw err;
      error = err;
    }
    expect(error?.message).toMatch(message);
    expect(error?.kind).toBe("parse");
    expect(error?.location).toEqual({ file: join(dir, at[0]), line: at[1], col: at[2] });
  });

  it("names an INI error found after YAML failed too, with the YAML reading as a hint", () => {
    const error = loadError({ hosts: "web:\n  hosts: [\n  w1 x\n" }, "hosts");
    expect(error.kind).toBe("parse");
    expect(error.hint).toMatch(/read as YAML instead/);
  });

  it("refuses a missing source with a usage error", () => {
    expect(() => loadInventory(["/nonexistent/inventory"])).toThrow(/inventory source not found/);
  });
});
