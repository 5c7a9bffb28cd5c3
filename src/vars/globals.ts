import type { Args } from "./expr/args.js";
import { BuiltinFunction } from "./expr/context.js";
import { type Dict, dictSet, isMapping, keyString, toDict, typeName } from "./expr/values.js";
import { lookup, query } from "./lookups.js";
import { OMIT } from "./omit.js";

/** Python's `range(stop)` / `range(start, stop[, step])`, bounded so a typo cannot exhaust memory. */
function range(args: Args): number[] {
  const [first, second, third] = args.rest();
  const numbers = [first, second, third].filter((n) => n !== undefined);
  for (const n of numbers) {
    if (typeof n !== "number" || !Number.isInteger(n)) {
      throw new TypeError(`range() arguments must be integers, not ${typeName(n)}`);
    }
  }
  const [start, stop, step] = (
    numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1]
  ) as number[];
  if (start === undefined || stop === undefined) args.fail("expected 1 to 3 integer arguments");
  if (step === 0) throw new RangeError("range() arg 3 must not be zero");
  const out: number[] = [];
  for (let i = start; step! > 0 ? i < stop : i > stop; i += step!) {
    if (out.length >= 1_000_000) throw new RangeError("range() is limited to 1000000 items");
    out.push(i);
  }
  return out;
}

/** Python's `dict(pairs_or_mapping, **kwargs)`. */
export function makeDict(source: unknown, extra: Map<string, unknown> = new Map()): Dict {
  const out: Dict = {};
  if (isMapping(source)) {
    for (const [key, value] of Object.entries(toDict(source))) dictSet(out, key, value);
  } else if (Array.isArray(source)) {
    for (const pair of source) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError("dict() needs a list of [key, value] pairs");
      }
      dictSet(out, keyString(pair[0]), pair[1]);
    }
  } else if (source !== undefined) {
    throw new TypeError(`cannot make a dict from ${typeName(source)}`);
  }
  for (const [key, value] of extra) dictSet(out, key, value);
  return out;
}

/** Names every expression can use unless a variable of the same name hides them. */
export const GLOBALS: Record<string, unknown> = {
  omit: OMIT,
  range: new BuiltinFunction("range", range),
  lookup: new BuiltinFunction("lookup", lookup),
  query: new BuiltinFunction("query", query),
  q: new BuiltinFunction("q", query),
  dict: new BuiltinFunction("dict", (args) => makeDict(args.take("source", undefined), args.restKeywords())),
};
