import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/vars/index.js";
import { scope } from "./vars-fixture.js";

const run = (expression: string) => evaluate(expression, scope());

const rows: Array<[string, boolean]> = [
  ["n is defined", true],
  ["missing is defined", false],
  ["missing is not defined", true],
  ["missing is undefined", true],
  ["d.zz is defined", false],
  ["d.zz.deeper is defined", false],
  ["users[7] is defined", false],
  ["nothing is defined", true],
  ["nothing is none", true],
  ["n is none", false],
  ["s is string", true],
  ["n is string", false],
  ["n is number", true],
  ["f is number", true],
  ["n is integer", true],
  ["f is integer", false],
  ["f is float", true],
  ["yes is boolean", true],
  ["n is boolean", false],
  ["d is mapping", true],
  ["list is mapping", false],
  ["list is sequence", true],
  ["s is sequence", true],
  ["n is sequence", false],
  ["d is iterable", true],
  ["n is iterable", false],
  ["result_changed is changed", true],
  ["result_failed is changed", false],
  ["result_failed is failed", true],
  ["result_changed is failed", false],
  ["result_changed is succeeded", true],
  ["result_changed is success", true],
  ["result_failed is not succeeded", true],
  ["result_skipped is skipped", true],
  ["result_changed is skipped", false],
  ["s is match('Hel')", true],
  ["s is match('World')", false],
  ["s is search('World')", true],
  ["s is search('world')", false],
  ["s is search('world', ignorecase=true)", true],
  ["s is regex('^H.*d$')", true],
  ["s is regex('World', match_type='match')", false],
  ["s is regex('Hello World', match_type='fullmatch')", true],
  ["'a\\nb' is search('^b', multiline=true)", true],
  ["n is truthy", true],
  ["empty is truthy", false],
  ["empty is falsy", true],
  ["n is equalto 3", true],
  ["n is eq(3)", true],
  ["n is sameas 3", true],
  ["n is ne(4)", true],
  ["n is gt 2", true],
  ["n is lt(2)", false],
  ["'1.10.2' is version('1.9', '>')", true],
  ["'1.10.2' is version('1.10.2')", true],
  ["'2.0' is version('2.0.1', 'lt')", true],
  ["'20.10.5' is version('20.10', '>=')", true],
  ["'1.0' is version('1.0a', '<')", true],
  ["'3.1' is version('3.1', '!=')", false],
  ["2 is in(list)", true],
  ["5 is in list", false],
  ["list is contains 2", true],
  ["9 is divisibleby 3", true],
  ["n is divisibleby(2)", false],
  ["4 is even", true],
  ["n is even", false],
  ["n is odd", true],
  ["-3 is odd", true],
  ["s is lower", false],
  ["'abc' is lower", true],
  ["'ABC' is upper", true],
  ["n is ansible.builtin.number", true],
  ["n is defined and n is odd", true],
  ["not missing is defined", true],
];

describe("tests (x is ...)", () => {
  it.each(rows)("%s", (expression, expected) => {
    expect(run(expression)).toBe(expected);
  });

  it("needs a task result for changed/failed/skipped", () => {
    expect(() => run("s is changed")).toThrow(
      "the 'changed' test expects a registered task result (a dict), not str",
    );
  });

  it("fails on an undefined value for any test but defined/undefined", () => {
    expect(() => run("missing is none")).toThrow("'missing' is undefined");
    expect(() => run("missing is changed")).toThrow("'missing' is undefined");
  });

  it("rejects unknown tests and version operators with a hint", () => {
    expect(() => run("n is defind")).toThrow("no test named 'defind'");
    expect(() => run("'1' is version('2', 'bigger')")).toThrow("version test: unknown operator 'bigger'");
  });
});
