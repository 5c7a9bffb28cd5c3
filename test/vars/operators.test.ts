import { describe, expect, it } from "vitest";
import { evaluate, OMIT } from "../../src/vars/index.js";
import { scope } from "./vars-fixture.js";

const where = { file: "play.yml", line: 7, col: 11 };
const run = (expression: string) => evaluate(expression, scope(), where);

describe("literals", () => {
  it.each([
    ["'single'", "single"],
    ['"double"', "double"],
    ["'it\\'s'", "it's"],
    ["'a\\nb'", "a\nb"],
    ["'\\d+'", "\\d+"],
    ["'ab' 'cd'", "abcd"],
    ["42", 42],
    ["-4.5", -4.5],
    ["1_000", 1000],
    ["1e3", 1000],
    ["true", true],
    ["True", true],
    ["false", false],
    ["False", false],
    ["none", null],
    ["None", null],
    ["[1, 'a', [true]]", [1, "a", [true]]],
    ["[1, 2,]", [1, 2]],
    ["{'a': 1, 'b': {'c': none}}", { a: 1, b: { c: null } }],
    ["{}", {}],
    ["(1, 2)", [1, 2]],
    ["()", []],
    ["(1)", 1],
  ])("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });
});

describe("operators and precedence (as Jinja)", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["7 / 2", 3.5],
    ["7 // 2", 3],
    ["-7 // 2", -4],
    ["-7 % 3", 2],
    ["7 % -3", -2],
    ["2 ** 10", 1024],
    ["2 ** 3 ** 2", 64],
    ["-2 ** 2", 4],
    ["'ab' + 'cd'", "abcd"],
    ["[1] + [2, 3]", [1, 2, 3]],
    ["'ab' * 3", "ababab"],
    ["2 * [0]", [0, 0]],
    ["true + 1", 2],
    ["'n=' ~ n ~ '!'", "n=3!"],
    ["1 ~ none ~ true", "1NoneTrue"],
    ["'x' ~ list", "x[3, 1, 2]"],
    ["n == 3", true],
    ["n != 3", false],
    ["1 == 1.0", true],
    ["true == 1", true],
    ["[1, [2]] == [1, [2]]", true],
    ["{'a': [1]} == {'a': [1]}", true],
    ["'1' == 1", false],
    ["n < 4", true],
    ["n <= 3", true],
    ["n > 3", false],
    ["n >= 3", true],
    ["'abc' < 'abd'", true],
    ["[1, 2] < [1, 3]", true],
    ["1 < n < 5", true],
    ["1 < n > 5", false],
    ["2 in list", true],
    ["5 not in list", true],
    ["'ell' in s", true],
    ["'a' in d", true],
    ["'z' not in d", true],
    ["not yes", false],
    ["not n == 3", false],
    ["not 5 in list", true],
    ["yes and no", false],
    ["yes or no", true],
    ["0 or 'fallback'", "fallback"],
    ["1 and 'last'", "last"],
    ["empty and missing_is_never_read", ""],
    ["yes or missing_is_never_read", true],
    ["no or yes and no", false],
    ["not no and yes", true],
    ["'a' if yes else 'b'", "a"],
    ["'a' if no else 'b'", "b"],
    ["'a' if no", ""],
    ["'a' if no else 'b' if yes else 'c'", "b"],
    ["1 + 2 if yes else 0", 3],
    ["list | length + 1", 4],
    ["-n | abs", 3],
    ["n is odd and list | length == 3", true],
    ["d.list | sum > 25", true],
  ])("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it.each([
    ["1 + 'a'", "unsupported operand type(s) for +: 'int' and 'str'"],
    ["1 < 'a'", "'<' not supported between instances of 'int' and 'str'"],
    ["1 / 0", "division by zero"],
    ["-'a'", "bad operand type for unary -: 'str'"],
    ["1 in 5", "argument of type 'int' is not iterable"],
  ])("%s is a type error", (expression, message) => {
    expect(() => run(expression)).toThrow(message);
  });

  it("reports syntax errors with the column and the location", () => {
    const err = (() => {
      try {
        run("a +* b");
      } catch (e) {
        return e as { kind: string; describe(): string };
      }
    })();
    expect(err?.kind).toBe("expression");
    expect(err?.describe()).toBe("play.yml:7:11: unexpected '*' at column 4 of expression: a +* b");
    expect(() => run("[1, 2")).toThrow("expected ',' but found the end of the expression");
    expect(() => run("'open")).toThrow("unterminated string");
    expect(() => run("a $ b")).toThrow("unexpected character '$'");
    expect(() => run("f(a=1, 2)")).toThrow("positional argument after keyword argument");
  });
});

describe("attribute, index and slice access", () => {
  it.each([
    ["d.a", 1],
    ["d.b.c", "hi"],
    ["d['b']['c']", "hi"],
    ["d.list.0", 10],
    ["d.list[1]", 20],
    ["d.list[-1]", 20],
    ["users[0].name", "ann"],
    ["users.1.name", "bob"],
    ["s[0]", "H"],
    ["s[-5:]", "World"],
    ["s[:5]", "Hello"],
    ["s[::-1]", "dlroW olleH"],
    ["list[1:]", [1, 2]],
    ["list[::2]", [3, 2]],
    ["list[5:]", []],
    ["list[-2:-1]", [1]],
    ["[1,2,3,4,5][4:0:-2]", [5, 3]],
    ["omit", OMIT],
  ])("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });
});

describe("methods", () => {
  it.each([
    ["s.split()", ["Hello", "World"]],
    ["'a,b,,c'.split(',')", ["a", "b", "", "c"]],
    ["'a b c'.split(None, 1)", ["a", "b c"]],
    ["'a-b-c'.rsplit('-', 1)", ["a-b", "c"]],
    ["'  x  '.strip()", "x"],
    ["'xxhixx'.strip('x')", "hi"],
    ["'  x '.lstrip()", "x "],
    ["'  x '.rstrip()", "  x"],
    ["s.startswith('Hell')", true],
    ["s.startswith(('a', 'H'))", true],
    ["path.endswith('.conf')", true],
    ["s.lower()", "hello world"],
    ["s.upper()", "HELLO WORLD"],
    ["s.replace('l', 'L')", "HeLLo WorLd"],
    ["s.replace('l', 'L', 2)", "HeLLo World"],
    ["'hello world'.title()", "Hello World"],
    ["'hELLO'.capitalize()", "Hello"],
    ["'a\\nb\\n'.splitlines()", ["a", "b"]],
    ["', '.join(['a', 'b'])", "a, b"],
    ["s.find('o')", 4],
    ["s.count('o')", 2],
    ["'42'.isdigit()", true],
    ["'7'.zfill(3)", "007"],
    ["d.keys() | list", ["a", "b", "list"]],
    ["d.values() | list | length", 3],
    ["d.items() | first", ["a", 1]],
    ["d.get('a')", 1],
    ["d.get('zz', 'dflt')", "dflt"],
    ["d.get('zz')", null],
    ["list.index(2)", 2],
    ["list.count(3)", 1],
  ])("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it("refuses methods that are not on the list", () => {
    expect(() => run("s.format(1)")).toThrow("'str' object has no method 'format'");
    expect(() => run("list.append(1)")).toThrow("'list' object has no method 'append'");
    expect(() => run("d.update({})")).toThrow("'dict' object has no method 'update'");
    expect(() => run("n()")).toThrow("'n' is a int, not a function");
  });
});

describe("global functions", () => {
  it.each([
    ["range(3)", [0, 1, 2]],
    ["range(1, 4)", [1, 2, 3]],
    ["range(10, 0, -3)", [10, 7, 4, 1]],
    ["dict(a=1, b=2)", { a: 1, b: 2 }],
    ["dict([['a', 1]])", { a: 1 }],
  ])("%s", (expression, expected) => {
    expect(run(expression)).toEqual(expected);
  });

  it("lets variables hide globals", () => {
    expect(evaluate("range", scope({ range: "mine" }))).toBe("mine");
  });
});

describe("no way into JavaScript internals", () => {
  it.each([
    "d.__proto__",
    "d['__proto__']",
    "''.constructor",
    "s.constructor",
    "list.constructor",
    "d.constructor",
    "range.constructor",
    "lookup.prototype",
    "d['constructor']['constructor']",
    "(d | dict2items)[0].constructor",
    "{'constructor': 1}.constructor",
  ])("%s is refused", (expression) => {
    expect(() => run(expression)).toThrow(/access to '(__proto__|constructor|prototype)' is not allowed/);
  });

  it("offers no JavaScript methods or properties", () => {
    expect(() => run("s.length")).toThrow("'s.length' is undefined");
    expect(() => run("list.map")).toThrow("'list.map' is undefined");
    expect(() => run("d.hasOwnProperty('a')")).toThrow("'dict' object has no method 'hasOwnProperty'");
    expect(() => run("d.toString")).toThrow("'d.toString' is undefined");
    expect(() => run("s.toUpperCase()")).toThrow("'str' object has no method 'toUpperCase'");
  });

  it("keeps a __proto__ key in a dict literal as data", () => {
    const value = run("{'__proto__': {'polluted': 1}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(["__proto__"]);
  });
});
