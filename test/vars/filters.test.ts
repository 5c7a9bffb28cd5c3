import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluate, OMIT } from "../../src/vars/index.js";
import { scope } from "./vars-fixture.js";

const run = (expression: string, extra: Record<string, unknown> = {}) => evaluate(expression, scope(extra));

type Row = [expression: string, expected: unknown];

const table: Record<string, Row[]> = {
  "default / d / mandatory / ternary / bool": [
    ["missing | default('x')", "x"],
    ["missing | d('x')", "x"],
    ["missing | default", ""],
    ["n | default(9)", 3],
    ["nothing | default('x')", null],
    ["empty | default('x')", ""],
    ["empty | default('x', true)", "x"],
    ["zero | default(7, boolean=true)", 7],
    ["d.zz.yy | default('deep')", "deep"],
    ["missing | default(omit)", OMIT],
    ["n | mandatory", 3],
    ["yes | ternary('on', 'off')", "on"],
    ["no | ternary('on', 'off')", "off"],
    ["nothing | ternary('on', 'off', 'unset')", "unset"],
    ["'yes' | bool", true],
    ["'On' | bool", true],
    ["'TRUE' | bool", true],
    ["'1' | bool", true],
    ["1 | bool", true],
    ["'no' | bool", false],
    ["'y' | bool", false],
    ["nothing | bool", false],
    ["yes | bool", true],
  ],
  numbers: [
    ["'42' | int", 42],
    ["' -7 ' | int", -7],
    ["'3.9' | int", 3],
    ["3.9 | int", 3],
    ["'abc' | int", 0],
    ["'abc' | int(5)", 5],
    ["'ff' | int(base=16)", 255],
    ["'0x1F' | int(0, 16)", 31],
    ["'0o17' | int(base=8)", 15],
    ["'101' | int(base=2)", 5],
    ["'1_000' | int", 1000],
    ["yes | int", 1],
    ["'2.5' | float", 2.5],
    ["'1e3' | float", 1000],
    ["'x' | float", 0],
    ["'x' | float(1.5)", 1.5],
    ["-3 | abs", 3],
    ["2.5 | round", 2],
    ["3.5 | round", 4],
    ["2.567 | round(2)", 2.57],
    ["2.1 | round(0, 'ceil')", 3],
    ["2.9 | round(method='floor')", 2],
  ],
  strings: [
    ["n | string", "3"],
    ["list | string", "[3, 1, 2]"],
    ["d.b | string", "{'c': 'hi'}"],
    ["yes | string", "True"],
    ["nothing | string", "None"],
    ["s | lower", "hello world"],
    ["s | upper", "HELLO WORLD"],
    ["'hELLO wORLD' | capitalize", "Hello world"],
    ["'hello wide world' | title", "Hello Wide World"],
    ["'  pad  ' | trim", "pad"],
    ["'xxpadxx' | trim('x')", "pad"],
    ["s | replace('o', '0')", "Hell0 W0rld"],
    ["s | replace('o', '0', 1)", "Hell0 World"],
    ["'a,b,c' | split(',')", ["a", "b", "c"]],
    ["'a  b\tc' | split", ["a", "b", "c"]],
    ["'a,b,c' | split(',', 1)", ["a", "b,c"]],
    ["s | length", 11],
    ["'héllo' | length", 5],
    ["s | count", 11],
    ['"it\'s" | quote', "'it'\"'\"'s'"],
    ["'simple-word_1.2' | quote", "simple-word_1.2"],
    ["'' | quote", "''"],
    ["'a b' | quote", "'a b'"],
    ["'$HOME' | quote", "'$HOME'"],
    ["'a\\nb' | indent(2)", "a\n  b"],
    ["'a\\n\\nb' | indent(2, true)", "  a\n\n  b"],
    ["'a\\n\\nb' | indent(2, blank=true)", "a\n  \n  b"],
    ["'%s-%03d' | format('x', 7)", "x-007"],
    ["'%(a)s/%(b)s' | format(a=1, b=2)", "1/2"],
    ["'%.2f%%' | format(12.345)", "12.35%"],
    ["list | type_debug", "list"],
  ],
  "regular expressions (Python syntax)": [
    ["'abc' | regex_replace('b', 'B')", "aBc"],
    ["'aaa' | regex_replace('a', 'b', count=2)", "bba"],
    ["'key=value' | regex_replace('^(\\\\w+)=(\\\\w+)$', '\\\\2=\\\\1')", "value=key"],
    ["'key=value' | regex_replace('(?P<k>\\\\w+)=(?P<v>\\\\w+)', '\\\\g<v>:\\\\g<k>')", "value:key"],
    ["'ABC' | regex_replace('b', 'x', ignorecase=true)", "AxC"],
    ["'a\\nb' | regex_replace('^', '> ', multiline=true)", "> a\n> b"],
    ["'cost $5' | regex_replace('\\\\$(\\\\d)', '\\\\1 dollars $')", "cost 5 dollars $"],
    ["'line\\n' | regex_replace('e$', 'E')", "linE\n"],
    ["s | regex_search('W\\\\w+')", "World"],
    ["s | regex_search('(\\\\w+) (\\\\w+)', '\\\\2', '\\\\1')", ["World", "Hello"]],
    ["s | regex_search('(?P<first>\\\\w+)', '\\\\g<first>')", ["Hello"]],
    ["s | regex_search('zzz')", null],
    ["s | regex_search('world', ignorecase=true)", "World"],
    ["'a1b22c333' | regex_findall('\\\\d+')", ["1", "22", "333"]],
    [
      "'k1=v1 k2=v2' | regex_findall('(\\\\w+)=(\\\\w+)')",
      [
        ["k1", "v1"],
        ["k2", "v2"],
      ],
    ],
    ["'k1=v1 k2=v2' | regex_findall('\\\\w+=(\\\\w+)')", ["v1", "v2"]],
    ["'(?a.b*)' | regex_escape", "\\(\\?a\\.b\\*\\)"],
  ],
  lists: [
    ["list | first", 3],
    ["list | last", 2],
    ["s | first", "H"],
    ["'abc' | list", ["a", "b", "c"]],
    ["d | list", ["a", "b", "list"]],
    ["list | length", 3],
    ["list | reverse | list", [2, 1, 3]],
    ["'abc' | reverse", "cba"],
    ["list | sort", [1, 2, 3]],
    ["list | sort(reverse=true)", [3, 2, 1]],
    ["words | sort", ["A", "a", "b", "c"]],
    ["words | sort(case_sensitive=true)", ["A", "a", "b", "c"]],
    ["users | sort(attribute='age') | map(attribute='name') | list", ["bob", "ann", "cid"]],
    ["users | sort(attribute='admin,age') | map(attribute='name') | join(',')", "bob,ann,cid"],
    ["[1, 2, 1, 3, 2] | unique", [1, 2, 3]],
    ["['a', 'A', 'b'] | unique", ["a", "b"]],
    ["['a', 'A', 'b'] | unique(case_sensitive=true)", ["a", "A", "b"]],
    ["list | min", 1],
    ["list | max", 3],
    ["words | max", "c"],
    ["(users | max(attribute='age')).name", "cid"],
    ["(users | min(attribute='age')).name", "bob"],
    ["list | sum", 6],
    ["users | sum(attribute='age')", 96],
    ["[[1], [2, 3]] | sum(start=[])", [1, 2, 3]],
    ["list | join", "312"],
    ["list | join(', ')", "3, 1, 2"],
    ["users | join(',', attribute='name')", "ann,bob,cid"],
    ["users | map(attribute='name') | list", ["ann", "bob", "cid"]],
    ["users | map(attribute='groups.0', default='none') | list", ["wheel", "none", "none"]],
    ["list | map('string') | list", ["3", "1", "2"]],
    ["['a', 'b'] | map('regex_replace', '^', 'x-') | list", ["x-a", "x-b"]],
    ["['1', '2'] | map('int') | sum", 3],
    ["[0, 1, '', 'a', none] | select | list", [1, "a"]],
    ["list | select('odd') | list", [3, 1]],
    ["list | reject('odd') | list", [2]],
    ["list | select('>', 1) | list", [3, 2]],
    ["list | select('equalto', 1) | list", [1]],
    ["['a.conf', 'b.txt'] | select('match', '.*\\\\.conf$') | list", ["a.conf"]],
    ["users | selectattr('admin') | map(attribute='name') | list", ["ann", "cid"]],
    ["users | rejectattr('admin') | map(attribute='name') | list", ["bob"]],
    ["users | selectattr('age', '>', 28) | map(attribute='name') | list", ["ann", "cid"]],
    ["users | selectattr('name', 'equalto', 'bob') | map(attribute='age') | first", 25],
    ["users | selectattr('groups', 'defined') | map(attribute='name') | list", ["ann", "bob"]],
    ["users | selectattr('groups', 'undefined') | map(attribute='name') | list", ["cid"]],
    ["nested | flatten", [1, 2, 3, 4]],
    ["nested | flatten(1)", [1, 2, [3, [4]]]],
    ["nested | flatten(skip_nulls=false)", [1, 2, 3, 4, null]],
    ["[1, 2, 3, 2] | difference([2])", [1, 3]],
    ["[1, 2] | union([2, 3])", [1, 2, 3]],
    ["[1, 2, 3, 3] | intersect([3, 2, 9])", [2, 3]],
    ["[1, 2] | symmetric_difference([2, 3])", [1, 3]],
    [
      "[1, 2, 3] | zip(['a', 'b'])",
      [
        [1, "a"],
        [2, "b"],
      ],
    ],
    [
      "[1, 2] | zip_longest(['a'], fillvalue='-')",
      [
        [1, "a"],
        [2, "-"],
      ],
    ],
    ["[1, 2, 3] | batch(2)", [[1, 2], [3]]],
  ],
  dicts: [
    ["d.b | dict2items", [{ key: "c", value: "hi" }]],
    ["{'a': 1} | dict2items(key_name='k', value_name='v')", [{ k: "a", v: 1 }]],
    ["[{'key': 'a', 'value': 1}] | items2dict", { a: 1 }],
    ["[{'n': 'a', 'v': 1}] | items2dict(key_name='n', value_name='v')", { a: 1 }],
    ["{'a': 1, 'b': 2} | combine({'b': 3}, {'c': 4})", { a: 1, b: 3, c: 4 }],
    ["{'a': {'x': 1}} | combine({'a': {'y': 2}})", { a: { y: 2 } }],
    ["{'a': {'x': 1}} | combine({'a': {'y': 2}}, recursive=true)", { a: { x: 1, y: 2 } }],
    ["{'l': [1]} | combine({'l': [2]}, list_merge='append')", { l: [1, 2] }],
    ["{'l': [1, 2]} | combine({'l': [2, 3]}, list_merge='append_rp')", { l: [1, 2, 3] }],
    ["[{'a': 1}, {'b': 2}] | combine", { a: 1, b: 2 }],
    ["[['a', 1], ['b', 2]] | dict", { a: 1, b: 2 }],
    ["['a', 'b'] | zip([1, 2]) | dict", { a: 1, b: 2 }],
    [
      "{'b': 1, 'a': 2} | dictsort",
      [
        ["a", 2],
        ["b", 1],
      ],
    ],
    ["{'a': 1} | items | list", [["a", 1]]],
    ["['a'] | map('extract', {'a': {'x': 5}}, 'x') | list", [5]],
    ["'b' | extract(d)", { c: "hi" }],
  ],
  serialisation: [
    ["{'b': [1, 2], 'a': 'é'} | to_json", '{"b": [1, 2], "a": "\\u00e9"}'],
    ["{'a': 1} | to_json(indent=2)", '{\n  "a": 1\n}'],
    [
      "{'b': [1, {'c': none}], 'a': true} | to_nice_json",
      '{\n    "a": true,\n    "b": [\n        1,\n        {\n            "c": null\n        }\n    ]\n}',
    ],
    ["[] | to_nice_json", "[]"],
    ["'{\"a\": [1, true, null]}' | from_json", { a: [1, true, null] }],
    ["{'b': [1, 2], 'a': {'x': 'yes', 'k': '123'}} | to_yaml", "a: {k: '123', x: 'yes'}\nb: [1, 2]\n"],
    ["{'b': {'x': [1]}, 'a': 'on'} | to_nice_yaml", "a: 'on'\nb:\n    x:\n      - 1\n"],
    ["{'b': [1, {'c': none}], 'a': true} | to_nice_yaml | from_yaml", { a: true, b: [1, { c: null }] }],
    ["'a: 1\\nb: [x, yes]\\nmode: 0644' | from_yaml", { a: 1, b: ["x", true], mode: 420 }],
    ["'hi there' | b64encode", "aGkgdGhlcmU="],
    ["'aGkgdGhlcmU=' | b64decode", "hi there"],
    ["'é' | b64encode | b64decode", "é"],
  ],
  paths: [
    ["path | basename", "nginx.conf"],
    ["path | dirname", "/etc/nginx"],
    ["'/etc/' | basename", ""],
    ["'/etc/' | dirname", "/etc"],
    ["'/' | dirname", "/"],
    ["'file' | dirname", ""],
    ["['/opt', 'app', 'data'] | path_join", "/opt/app/data"],
    ["['/opt', '/etc', 'x'] | path_join", "/etc/x"],
    ["['a/', 'b'] | path_join", "a/b"],
    ["path | splitext", ["/etc/nginx/nginx", ".conf"]],
    ["'.bashrc' | splitext", [".bashrc", ""]],
  ],
  hashes: [
    ["'abc' | hash('sha1')", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ["'abc' | hash", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ["'abc' | hash('md5')", "900150983cd24fb0d6963f7d28e17f72"],
    ["'abc' | hash('sha256')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["'abc' | checksum", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ["'abc' | md5", "900150983cd24fb0d6963f7d28e17f72"],
    ["'abc' | sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"],
  ],
};

describe.each(Object.entries(table))("%s", (_group, rows) => {
  it.each(rows)("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });
});

describe("filter names and arguments", () => {
  it("accepts ansible.builtin. prefixes", () => {
    expect(run("list | ansible.builtin.sort")).toEqual([1, 2, 3]);
    expect(run("'x' | ansible.builtin.to_json")).toBe('"x"');
  });

  it("suggests the closest name for an unknown filter", () => {
    expect(() => run("s | lowr")).toThrow("no filter named 'lowr'");
    try {
      run("s | lowr");
    } catch (err) {
      expect((err as { hint?: string }).hint).toBe("did you mean 'lower'?");
    }
  });

  it("checks arguments as Python would", () => {
    expect(() => run("s | lower(1)")).toThrow(
      "filter 'lower': takes at most 0 positional argument(s) but 1 were given",
    );
    expect(() => run("s | replace('a')")).toThrow("filter 'replace': missing required argument 'new'");
    expect(() => run("s | join(sep=',')")).toThrow("filter 'join': got an unexpected keyword argument 'sep'");
    expect(() => run("s | hash('nope')")).toThrow("unknown hash type 'nope'");
    expect(() => run("'x' | from_json")).toThrow("from_json:");
    expect(() => run("5 | dict2items")).toThrow("dict2items expects a dict, not int");
    expect(() => run("s | regex_search('(')")).toThrow("invalid regular expression '('");
  });

  it("fails on empty sequences where Jinja has nothing to return", () => {
    expect(() => run("[] | first")).toThrow("'first item of an empty sequence' is undefined");
    expect(run("[] | max | default('none')")).toBe("none");
  });

  it("mandatory names the variable or uses the given message", () => {
    expect(() => run("missing | mandatory")).toThrow("Mandatory variable 'missing' not defined.");
    expect(() => run("missing | mandatory('set missing in group_vars')")).toThrow(
      "set missing in group_vars",
    );
  });
});

describe("lookup and query", () => {
  it("reads environment variables", () => {
    process.env.TSIBLE_TEST_LOOKUP = "from-env";
    expect(run("lookup('env', 'TSIBLE_TEST_LOOKUP')")).toBe("from-env");
    expect(run("lookup('env', 'TSIBLE_TEST_LOOKUP', 'TSIBLE_TEST_UNSET_VAR')")).toBe("from-env,");
    expect(run("lookup('env', 'TSIBLE_TEST_UNSET_VAR', default='dflt')")).toBe("dflt");
    expect(run("query('env', 'TSIBLE_TEST_LOOKUP')")).toEqual(["from-env"]);
    expect(run("q('env', 'TSIBLE_TEST_LOOKUP')")).toEqual(["from-env"]);
    expect(run("lookup('ansible.builtin.env', 'TSIBLE_TEST_LOOKUP', wantlist=true)")).toEqual(["from-env"]);
  });

  it("reads files from the role's files/, the playbook dir, or an absolute path", () => {
    const dir = mkdtempSync(join(tmpdir(), "tsible-lookup-"));
    const role = join(dir, "roles", "web");
    mkdirSync(join(role, "files"), { recursive: true });
    writeFileSync(join(role, "files", "motd"), "role motd\n\n");
    writeFileSync(join(dir, "key.pub"), "ssh-ed25519 AAAA test\n");
    const vars = { role_path: role, playbook_dir: dir };
    expect(run("lookup('file', 'motd')", vars)).toBe("role motd");
    expect(run("lookup('file', 'key.pub')", vars)).toBe("ssh-ed25519 AAAA test");
    expect(run(`lookup('file', '${join(dir, "key.pub")}', rstrip=false)`, vars)).toBe(
      "ssh-ed25519 AAAA test\n",
    );
    expect(() => run("lookup('file', 'absent.txt')", vars)).toThrow(
      "lookup('file'): could not find 'absent.txt'",
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses lookups that run commands", () => {
    expect(() => run("lookup('pipe', 'id')")).toThrow("lookup('pipe') is not available");
    expect(() => run("query('ansible.builtin.pipe', 'id')")).toThrow("lookup('pipe') is not available");
    expect(() => run("lookup('nosuch', 'x')")).toThrow("no lookup named 'nosuch'");
  });
});
