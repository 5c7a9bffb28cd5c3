import { describe, expect, it } from "vitest";
import { TsibleError } from "../../src/errors.js";
import { locationOf } from "../../src/load/locations.js";
import { TaggedText } from "../../src/load/tagged.js";
import { parseYaml } from "../../src/load/yaml.js";
import {
  evaluateCondition,
  isTemplated,
  layeredScope,
  mappingFromScope,
  OMIT,
  renderValue,
  scopeFromObject,
  stripOmitted,
} from "../../src/vars/index.js";
import { scope } from "./vars-fixture.js";

describe("renderValue", () => {
  it.each<[string, unknown]>([
    ["plain text", "plain text"],
    ["{{ list }}", [3, 1, 2]],
    ["{{ n }}", 3],
    ["{{ yes }}", true],
    ["{{ nothing }}", null],
    ["{{ d.b }}", { c: "hi" }],
    ["  {{ list }}\n", [3, 1, 2]],
    [" {{ s }} ", " Hello World "],
    ["{{ s }}", "Hello World"],
    ["n={{ n }}", "n=3"],
    ["{{ n }}{{ n }}", "33"],
    ["{{ yes }} / {{ no }} / {{ nothing }}", "True / False / None"],
    ["list: {{ list }}", "list: [3, 1, 2]"],
    ["dict: {{ d.b }}", "dict: {'c': 'hi'}"],
    ['quote: {{ ["it\'s"] }}', 'quote: ["it\'s"]'],
    ["{{ '{{' }} literal", "{{ literal"],
    ["{{ {'a': {'b': 1}} }}", { a: { b: 1 } }],
    ["{{ '}}' }}", "}}"],
    ["a {{- ' b ' -}} c", "a b c"],
    ["x  {{- n }}", "x3"],
    ["{% if yes %}on{% else %}off{% endif %}", "on"],
    ["{% for x in list %}{{ x }},{% endfor %}", "3,1,2,"],
    ["{# note #}text", "text"],
    ["{{ missing | default(omit) }}", OMIT],
  ])("%j", (input, expected) => {
    expect(renderValue(input, scope())).toEqual(expected);
  });

  it("walks lists and maps (keys too) and leaves other values alone", () => {
    const input = { "{{ s | lower }}": ["{{ n }}", 4, { deep: "x{{ n }}" }], flag: false, none: null };
    expect(renderValue(input, scope())).toEqual({
      "hello world": [3, 4, { deep: "x3" }],
      flag: false,
      none: null,
    });
  });

  it("never templates !unsafe text", () => {
    const unsafe = new TaggedText("unsafe", "{{ not_rendered }}", { file: "v.yml", line: 1, col: 1 });
    expect(renderValue({ cmd: unsafe }, scope())).toEqual({ cmd: "{{ not_rendered }}" });
  });

  it("keeps source positions, and reports errors at the failing value", () => {
    const loaded = parseYaml('task:\n  a: ok\n  b: "{{ nope }}"\n', "play.yml") as {
      task: Record<string, unknown>;
    };
    try {
      renderValue(loaded, scope());
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TsibleError);
      expect((err as TsibleError).describe()).toBe(
        "play.yml:3:6: 'nope' is undefined\n  hint: did you mean 'no'?",
      );
    }
    const rendered = renderValue(loaded.task, scopeFromObject({ nope: 1 })) as Record<string, unknown>;
    expect(rendered).toEqual({ a: "ok", b: 1 });
    expect(locationOf(rendered, "b")).toEqual({ file: "play.yml", line: 3, col: 6 });
  });

  it("reports a malformed expression with its location", () => {
    const where = { file: "p.yml", line: 2, col: 3 };
    expect(() => renderValue("{{ a | }}", scope(), where)).toThrow("filter name expected");
    expect(() => renderValue("{{ a", scope(), where)).toThrow("missing '}}'");
    try {
      renderValue("{{ json x }}", scope(), where);
    } catch (err) {
      expect((err as TsibleError).kind).toBe("expression");
      expect((err as TsibleError).location).toEqual(where);
    }
  });

  it("renders values fetched through any scope, such as layered and lazy ones", () => {
    const calls: string[] = [];
    const lazy = {
      has: (name: string) => name.startsWith("lazy_"),
      get: (name: string) => {
        calls.push(name);
        return name.toUpperCase();
      },
    };
    const layered = layeredScope(scopeFromObject({ n: 1 }), lazy, scopeFromObject({ n: 2, other: "o" }));
    expect(renderValue("{{ n }} {{ lazy_x }} {{ other }}", layered)).toBe("1 LAZY_X o");
    expect(calls).toEqual(["lazy_x"]);
    const hostvars = mappingFromScope(scopeFromObject({ web1: { ansible_host: "127.0.0.2" } }));
    const vars = scopeFromObject({ hostvars });
    expect(renderValue("{{ hostvars['web1'].ansible_host }}", vars)).toBe("127.0.0.2");
    expect(renderValue("{{ 'web1' in hostvars }}", vars)).toBe(true);
    expect(renderValue("{{ hostvars.web2 is defined }}", vars)).toBe(false);
    expect(renderValue("{{ hostvars.get('web1').ansible_host }}", vars)).toBe("127.0.0.2");
  });
});

describe("omit", () => {
  it("is a sentinel that stripOmitted removes from maps and lists", () => {
    const args = renderValue(
      { path: "/x", mode: "{{ m | default(omit) }}", list: ["{{ omit }}", 1] },
      scope(),
    );
    expect((args as Record<string, unknown>).mode).toBe(OMIT);
    expect(stripOmitted(args)).toEqual({ path: "/x", list: [1] });
  });
});

describe("isTemplated", () => {
  it.each([
    ["{{ x }}", true],
    ["a {% if x %}", true],
    ["{# c #}", true],
    ["plain", false],
    ["{ not: templated }", false],
  ])("%s → %s", (text, expected) => {
    expect(isTemplated(text)).toBe(expected);
  });
});

describe("evaluateCondition", () => {
  const where = { file: "tasks.yml", line: 4, col: 11 };
  it.each<[unknown, boolean]>([
    ["n == 3", true],
    ["n > 3", false],
    ["{{ n == 3 }}", true],
    ["  {{ yes }}  ", true],
    ["list", true],
    ["empty", false],
    ["d.list | length > 1", true],
    ["result_changed is changed", true],
    ["missing is not defined", true],
    ["{{ n }} == 3", true],
    ["'{{ s }}' == 'Hello World'", true],
    [true, true],
    [false, false],
    [0, false],
    [1, true],
    [null, true],
    ["", true],
    [["n == 3", "yes"], true],
    [["n == 3", "no"], false],
    [[], true],
  ])("%j → %s", (condition, expected) => {
    expect(evaluateCondition(condition, scope(), where)).toBe(expected);
  });

  it("fails on undefined variables with the location", () => {
    try {
      evaluateCondition("missing == 1", scope(), where);
      expect.unreachable();
    } catch (err) {
      expect((err as TsibleError).describe()).toBe("tasks.yml:4:11: 'missing' is undefined");
    }
  });

  it("does not evaluate later conditions once one is false", () => {
    expect(evaluateCondition(["no", "missing > 1"], scope(), where)).toBe(false);
  });

  it("rejects values that are not conditions", () => {
    expect(() => evaluateCondition({ a: 1 }, scope(), where)).toThrow(
      "a condition must be an expression, not dict",
    );
  });
});
