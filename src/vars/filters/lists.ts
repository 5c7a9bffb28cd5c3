import { Args } from "../expr/args.js";
import { arithmetic } from "../expr/arith.js";
import { type CallContext, type FilterFn, strict } from "../expr/context.js";
import { pyCompare, pyEquals, pyStr, truthy, Undefined } from "../expr/values.js";
import { attributeGetter, iterate, sortKey } from "./items.js";

/** Keeps the first of equal items, in order. */
function uniqueBy(items: unknown[], key: (item: unknown) => unknown = (item) => item): unknown[] {
  const kept: unknown[] = [];
  const keys: unknown[] = [];
  for (const item of items) {
    const k = key(item);
    if (!keys.some((seen) => pyEquals(seen, k))) {
      keys.push(k);
      kept.push(item);
    }
  }
  return kept;
}

/** The key function for sort/unique/min/max from `attribute=` and `case_sensitive=`. */
function keyFunction(args: Args): (item: unknown) => unknown {
  const caseSensitive = truthy(args.take("case_sensitive", false));
  const attribute = args.take("attribute", null);
  const getters =
    attribute === null
      ? [(item: unknown) => item]
      : String(attribute)
          .split(",")
          .map((a) => attributeGetter(a.trim()));
  return (item) => {
    const keys = getters.map((get) => sortKey(strict(get(item)), caseSensitive));
    return keys.length === 1 ? keys[0] : keys;
  };
}

function extreme(filter: string, input: unknown, args: Args, sign: 1 | -1): unknown {
  const key = keyFunction(args);
  const items = iterate(filter, input);
  if (items.length === 0) return new Undefined(`${filter} of an empty sequence`);
  return items.reduce((best, item) => (sign * pyCompare(key(item), key(best)) > 0 ? item : best));
}

/** `select`/`reject` and their `attr` forms: keep the items whose test result is `keep`. */
function filterBy(
  filter: string,
  input: unknown,
  args: Args,
  ctx: CallContext,
  keep: boolean,
  byAttribute: boolean,
) {
  const get = byAttribute ? attributeGetter(args.take("attribute")) : (item: unknown) => item;
  const test = args.optionalString("test");
  const testArgs = args.rest();
  const testKeywords = args.restKeywords();
  return iterate(filter, input).filter((item) => {
    const value = get(item);
    if (test === undefined) return truthy(strict(value)) === keep;
    const passed = ctx.test(test, value, new Args(`test '${test}'`, testArgs, new Map(testKeywords)));
    return passed === keep;
  });
}

/** Ansible's `flatten(levels=None, skip_nulls=True)`. */
function flatten(items: unknown[], levels: number | undefined, skipNulls: boolean): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (skipNulls && (item === null || item === "None" || item === "null")) continue;
    if (Array.isArray(item) && (levels === undefined || levels > 0)) {
      out.push(...flatten(item, levels === undefined ? undefined : levels - 1, skipNulls));
    } else {
      out.push(item);
    }
  }
  return out;
}

function zipLists(lists: unknown[][], longest: boolean, fill: unknown): unknown[][] {
  const lengths = lists.map((l) => l.length);
  const size = lists.length === 0 ? 0 : longest ? Math.max(...lengths) : Math.min(...lengths);
  return Array.from({ length: size }, (_, i) => lists.map((l) => (i < l.length ? l[i] : fill)));
}

function others(filter: string, args: Args): unknown[] {
  return iterate(filter, args.take("other"));
}

export const LIST_FILTERS: Record<string, FilterFn> = {
  length: (input) => (typeof input === "string" ? [...input].length : iterate("length", input).length),
  first: (input) => {
    const items = iterate("first", input);
    return items.length > 0 ? items[0] : new Undefined("first item of an empty sequence");
  },
  last: (input) => {
    const items = iterate("last", input);
    return items.length > 0 ? items[items.length - 1] : new Undefined("last item of an empty sequence");
  },
  list: (input) => iterate("list", input),
  reverse: (input) =>
    typeof input === "string" ? [...input].reverse().join("") : iterate("reverse", input).reverse(),
  unique: (input, args) => uniqueBy(iterate("unique", input), keyFunction(args)),
  sort: (input, args) => {
    const reverse = truthy(args.take("reverse", false));
    const key = keyFunction(args);
    const sorted = iterate("sort", input)
      .map((item) => ({ item, key: key(item) }))
      .sort((a, b) => pyCompare(a.key, b.key));
    if (reverse) sorted.reverse();
    return sorted.map(({ item }) => item);
  },
  min: (input, args) => extreme("min", input, args, -1),
  max: (input, args) => extreme("max", input, args, 1),
  sum: (input, args) => {
    const attribute = args.take("attribute", null);
    const start = args.take("start", 0);
    const get = attribute === null ? (item: unknown) => item : attributeGetter(attribute);
    return iterate("sum", input).reduce((total, item) => arithmetic("+", total, strict(get(item))), start);
  },
  join: (input, args) => {
    const separator = pyStr(args.take("d", ""));
    const attribute = args.take("attribute", null);
    const get = attribute === null ? (item: unknown) => item : attributeGetter(attribute);
    return iterate("join", input)
      .map((item) => pyStr(strict(get(item))))
      .join(separator);
  },

  /** `map(attribute='x', default=v)` or `map('filter', args...)`. */
  map: (input, args, ctx) => {
    const items = iterate("map", input);
    if (args.keywords.has("attribute") && args.positional.length === 0) {
      const get = attributeGetter(args.take("attribute"));
      const hasDefault = args.keywords.has("default");
      const fallback = args.take("default", undefined);
      return items.map((item) => {
        const value = get(item);
        return value instanceof Undefined && hasDefault ? fallback : strict(value);
      });
    }
    const name = args.string("filter");
    const filterArgs = args.rest();
    const filterKeywords = args.restKeywords();
    return items.map((item) =>
      ctx.filter(name, item, new Args(`filter '${name}'`, filterArgs, new Map(filterKeywords))),
    );
  },
  select: (input, args, ctx) => filterBy("select", input, args, ctx, true, false),
  reject: (input, args, ctx) => filterBy("reject", input, args, ctx, false, false),
  selectattr: (input, args, ctx) => filterBy("selectattr", input, args, ctx, true, true),
  rejectattr: (input, args, ctx) => filterBy("rejectattr", input, args, ctx, false, true),

  flatten: (input, args) => {
    const levels = args.take("levels", null);
    const skipNulls = truthy(args.take("skip_nulls", true));
    if (levels !== null && typeof levels !== "number") args.fail("levels must be a number");
    return flatten(iterate("flatten", input), typeof levels === "number" ? levels : undefined, skipNulls);
  },
  difference: (input, args) => {
    const other = others("difference", args);
    return uniqueBy(iterate("difference", input).filter((x) => !other.some((y) => pyEquals(x, y))));
  },
  intersect: (input, args) => {
    const other = others("intersect", args);
    return uniqueBy(iterate("intersect", input).filter((x) => other.some((y) => pyEquals(x, y))));
  },
  union: (input, args) => uniqueBy([...iterate("union", input), ...others("union", args)]),
  symmetric_difference: (input, args) => {
    const a = iterate("symmetric_difference", input);
    const b = others("symmetric_difference", args);
    const inBoth = (x: unknown) => a.some((y) => pyEquals(x, y)) && b.some((y) => pyEquals(x, y));
    return uniqueBy([...a, ...b].filter((x) => !inBoth(x)));
  },
  zip: (input, args) =>
    zipLists([iterate("zip", input), ...args.rest().map((l) => iterate("zip", l))], false, null),
  zip_longest: (input, args) => {
    const lists = [iterate("zip_longest", input), ...args.rest().map((l) => iterate("zip_longest", l))];
    return zipLists(lists, true, args.take("fillvalue", null));
  },
  batch: (input, args) => {
    const size = args.number("linecount");
    const hasFill = args.positional.length > 1 || args.keywords.has("fill_with");
    const fill = args.take("fill_with", null);
    if (size < 1) args.fail("linecount must be at least 1");
    const items = iterate("batch", input);
    const batches: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
    const tail = batches[batches.length - 1];
    if (hasFill && tail) while (tail.length < size) tail.push(fill);
    return batches;
  },
};
LIST_FILTERS.count = LIST_FILTERS.length!;
