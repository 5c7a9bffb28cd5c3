// Table tests of the small readers the inventory is built from. Expected values were checked
// against Python (ast.literal_eval, shlex.split) and ansible-core 2.14's expand_hostname_range.
import { describe, expect, it } from "vitest";
import { parseAddress } from "../../src/inventory/address.js";
import { expandHostRange } from "../../src/inventory/host-range.js";
import { splitPattern } from "../../src/inventory/patterns.js";
import { pythonLiteral } from "../../src/inventory/py-literal.js";
import { shlexSplit } from "../../src/inventory/shlex.js";

describe("host ranges", () => {
  it.each([
    ["web", ["web"]],
    ["web[1:3]", ["web1", "web2", "web3"]],
    ["web[01:03].example.com", ["web01.example.com", "web02.example.com", "web03.example.com"]],
    ["10.0.0.[1:3]", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]],
    ["db-[a:c]", ["db-a", "db-b", "db-c"]],
    ["n[0:10:5]", ["n0", "n5", "n10"]],
    ["n[:2]", ["n0", "n1", "n2"]],
    ["r[1:2]c[a:b]", ["r1ca", "r1cb", "r2ca", "r2cb"]],
    ["x[Y:b]", []],
  ] as const)("%s", (name, expected) => {
    if (expected.length === 0) expect(() => expandHostRange(name)).toThrow(/begin must be <= end/);
    else expect(expandHostRange(name)).toEqual(expected);
  });

  it.each(["web[1]", "web[1:]", "web[1:2:0]", "web[01:100]", "web[a:1]", "web[1:3", "web[1:1000000]"])(
    "refuses %s",
    (name) => {
      expect(() => expandHostRange(name)).toThrow(/host range/);
    },
  );
});

describe("addresses", () => {
  it.each([
    ["web1", { host: "web1", port: undefined }],
    ["web1:2222", { host: "web1", port: 2222 }],
    ["10.0.0.1:22", { host: "10.0.0.1", port: 22 }],
    ["[::1]:22", { host: "::1", port: 22 }],
    ["::1", { host: "::1", port: undefined }],
    ["web[1:3]:22", { host: "web[1:3]", port: 22 }],
    ["bad_:22", undefined],
    ["my host", undefined],
  ] as const)("%s", (text, expected) => {
    expect(parseAddress(text, true)).toEqual(expected);
  });

  it("refuses ranges when they are not allowed (host lists)", () => {
    expect(parseAddress("web[1:3]", false)).toBeUndefined();
  });
});

describe("Python literals in INI values", () => {
  it.each([
    ["42", 42],
    ["-7", -7],
    ["+3", 3],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1e3", 1000],
    ["0x1f", 31],
    ["0o17", 15],
    ["0b101", 5],
    ["1_000", 1000],
    ["00", 0],
    ["True", true],
    ["False", false],
    ["None", null],
    ["'x'", "x"],
    ['"it\'s"', "it's"],
    ["'a' \"b\"", "ab"],
    ["'\\n\\t\\x41\\u00e9'", "\n\tAé"],
    ["r'\\n'", "\\n"],
    ["'''triple'''", "triple"],
    ["[1, 'a', None]", [1, "a", null]],
    ["[1, 2,]", [1, 2]],
    ["(1, 2)", [1, 2]],
    ["(1,)", [1]],
    ["(7)", 7],
    ["()", []],
    ["{'k': [1, {'n': True}]}", { k: [1, { n: true }] }],
    ["{1: 'a'}", { "1": "a" }],
    ["5 # comment", 5],
    ["  5", 5],
  ] as const)("%s is a literal", (text, value) => {
    expect(pythonLiteral(text)).toEqual({ ok: true, value });
  });

  it.each([
    "0644",
    "yes",
    "true",
    "hello",
    "1+2",
    "--3",
    "1j",
    "b'x'",
    "f'x'",
    "{1, 2}",
    "[1, 2",
    "'open",
    "",
    "a b",
  ])("%s stays text", (text) => {
    expect(pythonLiteral(text)).toEqual({ ok: false });
  });
});

describe("shlex splitting of INI host lines", () => {
  it.each([
    ["h a=1 b=2", ["h", "a=1", "b=2"]],
    ["h name='two words'", ["h", "name=two words"]],
    ['h msg="say \\"hi\\" \\n"', ["h", 'msg=say "hi" \\n']],
    ["h path=a\\ b", ["h", "path=a b"]],
    ["h a=1 # comment", ["h", "a=1"]],
    ["h a=1#rest", ["h", "a=1"]],
    ["h hash='#kept'", ["h", "hash=#kept"]],
    ["h empty=''", ["h", "empty="]],
  ] as const)("%s", (line, tokens) => {
    expect(shlexSplit(line)).toEqual(tokens);
  });

  it.each(["h a='open", 'h a="open', "h a=\\"])("refuses %s", (line) => {
    expect(() => shlexSplit(line)).toThrow();
  });
});

describe("splitting host patterns", () => {
  it.each([
    ["web", ["web"]],
    ["web:db", ["web", "db"]],
    ["web,db", ["web", "db"]],
    [" web , db ,", ["web", "db"]],
    ["web:&prod:!canary", ["web", "&prod", "!canary"]],
    ["web[1:3]:db", ["web[1:3]", "db"]],
    ["web[1:3]", ["web[1:3]"]],
    ["10.0.0.1", ["10.0.0.1"]],
    ["::1", ["::1"]],
    ["host:22", ["host:22"]],
  ] as const)("%s", (pattern, parts) => {
    expect(splitPattern(pattern)).toEqual(parts);
  });
});
