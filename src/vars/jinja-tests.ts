import type { Args } from "./expr/args.js";
import type { TestFn } from "./expr/context.js";
import {
  isDict,
  isMapping,
  mappingGet,
  pyCompare,
  pyContains,
  pyEquals,
  pyStr,
  truthy,
  typeName,
  Undefined,
} from "./expr/values.js";
import { pyMatch, pyRegex, type RegexOptions } from "./pyregex.js";
import { versionTest } from "./version.js";

function isNumber(value: unknown): boolean {
  return typeof value === "number" || typeof value === "boolean";
}

/** A registered task result (`register: r`), as the `changed`/`failed`/... tests expect. */
function taskResult(test: string, value: unknown): (key: string) => boolean {
  if (!isMapping(value))
    throw new TypeError(
      `the '${test}' test expects a registered task result (a dict), not ${typeName(value)}`,
    );
  return (key) => truthy(mappingGet(value, key));
}

function regexOptions(args: Args): RegexOptions {
  return {
    ignorecase: truthy(args.take("ignorecase", false)),
    multiline: truthy(args.take("multiline", false)),
  };
}

function regexTest(
  kind: "match" | "search" | "fullmatch",
  value: unknown,
  pattern: string,
  options: RegexOptions,
) {
  const text = pyStr(value);
  if (kind === "search") return pyRegex(pattern, options).test(text);
  if (kind === "match") return pyMatch(pattern, text, options) !== null;
  return pyMatch(`(?:${pattern})$`, text, { ...options, multiline: false }) !== null;
}

function integerOf(test: string, value: unknown): number {
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`the '${test}' test expects a number, not ${typeName(value)}`);
  }
  return Number(value);
}

/** Jinja's and Ansible's tests (`x is defined`, `r is changed`, `v is version('1.2', '>=')`). */
export const TESTS: Record<string, TestFn> = {
  defined: (value) => !(value instanceof Undefined),
  undefined: (value) => value instanceof Undefined,
  none: (value) => value === null,
  string: (value) => typeof value === "string",
  number: (value) => isNumber(value),
  integer: (value) => typeof value === "number" && Number.isInteger(value),
  float: (value) => typeof value === "number" && !Number.isInteger(value),
  boolean: (value) => typeof value === "boolean",
  mapping: (value) => isMapping(value),
  sequence: (value) => typeof value === "string" || Array.isArray(value) || isMapping(value),
  iterable: (value) => typeof value === "string" || Array.isArray(value) || isMapping(value),
  callable: () => false,
  lower: (value) => typeof value === "string" && value === value.toLowerCase(),
  upper: (value) => typeof value === "string" && value === value.toUpperCase(),
  truthy: (value, args) => {
    args.take("convert_bool", false);
    return truthy(value);
  },
  falsy: (value, args) => {
    args.take("convert_bool", false);
    return !truthy(value);
  },
  changed: (value) => taskResult("changed", value)("changed"),
  failed: (value) => taskResult("failed", value)("failed"),
  succeeded: (value) => !taskResult("succeeded", value)("failed"),
  skipped: (value) => taskResult("skipped", value)("skipped"),
  unreachable: (value) => taskResult("unreachable", value)("unreachable"),
  match: (value, args) => regexTest("match", value, args.string("pattern"), regexOptions(args)),
  search: (value, args) => regexTest("search", value, args.string("pattern"), regexOptions(args)),
  regex: (value, args) => {
    const pattern = args.string("pattern");
    const options = regexOptions(args);
    const type = args.string("match_type", "search");
    if (type !== "match" && type !== "search" && type !== "fullmatch")
      return args.fail(`unknown match_type '${type}'`);
    return regexTest(type, value, pattern, options);
  },
  equalto: (value, args) => pyEquals(value, args.take("other")),
  ne: (value, args) => !pyEquals(value, args.take("other")),
  sameas: (value, args) => {
    const other = args.take("other");
    return isDict(value) || Array.isArray(value)
      ? value === other
      : pyEquals(value, other) && typeof value === typeof other;
  },
  in: (value, args) => pyContains(args.take("seq"), value),
  contains: (value, args) => pyContains(value, args.take("seq")),
  divisibleby: (value, args) => {
    const divisor = integerOf("divisibleby", args.take("num"));
    if (divisor === 0) throw new RangeError("integer division or modulo by zero");
    return integerOf("divisibleby", value) % divisor === 0;
  },
  even: (value) => integerOf("even", value) % 2 === 0,
  odd: (value) => Math.abs(integerOf("odd", value) % 2) === 1,
  version: (value, args) => {
    const version = pyStr(args.take("version"));
    const operator = args.string("operator", "eq");
    args.take("strict", null);
    args.take("version_type", null);
    return versionTest(pyStr(value), version, operator);
  },
};
TESTS.success = TESTS.succeeded!;
TESTS.change = TESTS.changed!;
TESTS.failure = TESTS.failed!;
TESTS.skip = TESTS.skipped!;
TESTS.eq = TESTS.equalto!;
TESTS.version_compare = TESTS.version!;
for (const [alias, op] of [
  ["lt", (o: number) => o < 0],
  ["le", (o: number) => o <= 0],
  ["gt", (o: number) => o > 0],
  ["ge", (o: number) => o >= 0],
] as const) {
  TESTS[alias] = (value, args) => op(pyCompare(value, args.take("other")));
}
TESTS.lessthan = TESTS.lt!;
// Jinja's operator-named tests, for `select('>', 1)`.
Object.assign(TESTS, {
  "==": TESTS.eq,
  "!=": TESTS.ne,
  "<": TESTS.lt,
  "<=": TESTS.le,
  ">": TESTS.gt,
  ">=": TESTS.ge,
});
TESTS.greaterthan = TESTS.gt!;
