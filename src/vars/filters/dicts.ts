import type { Args } from "../expr/args.js";
import { type FilterFn, strict } from "../expr/context.js";
import { getItem } from "../expr/members.js";
import {
  type Dict,
  dictSet,
  isDict,
  isMapping,
  keyString,
  pyCompare,
  pyEquals,
  pyStr,
  toDict,
  truthy,
  typeName,
} from "../expr/values.js";
import { makeDict } from "../globals.js";

function requireDict(filter: string, value: unknown): Dict {
  if (!isMapping(value)) throw new TypeError(`${filter} expects a dict, not ${typeName(value)}`);
  return toDict(value);
}

type ListMerge = "replace" | "keep" | "append" | "prepend" | "append_rp" | "prepend_rp";

function mergeLists(a: unknown[], b: unknown[], how: ListMerge): unknown[] {
  const notInB = () => a.filter((x) => !b.some((y) => pyEquals(x, y)));
  switch (how) {
    case "replace":
      return b;
    case "keep":
      return a;
    case "append":
      return [...a, ...b];
    case "prepend":
      return [...b, ...a];
    case "append_rp":
      return [...notInB(), ...b];
    case "prepend_rp":
      return [...b, ...notInB()];
  }
}

/** Ansible's `combine`: later dicts win; `recursive` merges nested dicts, `list_merge` lists. */
function combine(base: Dict, over: Dict, recursive: boolean, listMerge: ListMerge): Dict {
  const out: Dict = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    if (recursive && isDict(current) && isDict(value)) {
      dictSet(out, key, combine(current, value, recursive, listMerge));
    } else if (Array.isArray(current) && Array.isArray(value) && listMerge !== "replace") {
      dictSet(out, key, mergeLists(current, value, listMerge));
    } else {
      dictSet(out, key, value);
    }
  }
  return out;
}

function names(args: Args): [string, string] {
  return [args.string("key_name", "key"), args.string("value_name", "value")];
}

export const DICT_FILTERS: Record<string, FilterFn> = {
  dict2items: (input, args) => {
    const [keyName, valueName] = names(args);
    return Object.entries(requireDict("dict2items", input)).map(([key, value]) => {
      const item: Dict = {};
      dictSet(item, keyName, key);
      dictSet(item, valueName, value);
      return item;
    });
  },
  items2dict: (input, args) => {
    const [keyName, valueName] = names(args);
    if (!Array.isArray(input)) throw new TypeError(`items2dict expects a list, not ${typeName(input)}`);
    const out: Dict = {};
    for (const item of input) {
      const entry = requireDict("items2dict", item);
      if (!Object.hasOwn(entry, keyName) || !Object.hasOwn(entry, valueName)) {
        throw new TypeError(`items2dict: each item needs '${keyName}' and '${valueName}'`);
      }
      dictSet(out, keyString(entry[keyName]), entry[valueName]);
    }
    return out;
  },
  combine: (input, args) => {
    const layers = args.rest().flat();
    const recursive = truthy(args.take("recursive", false));
    const listMerge = args.string("list_merge", "replace") as ListMerge;
    if (!["replace", "keep", "append", "prepend", "append_rp", "prepend_rp"].includes(listMerge)) {
      args.fail(`unknown list_merge '${listMerge}'`);
    }
    const start = Array.isArray(input) ? input : [input];
    return [...start, ...layers].reduce<Dict>(
      (merged, layer) => combine(merged, requireDict("combine", layer), recursive, listMerge),
      {},
    );
  },
  dict: (input) => makeDict(input),
  items: (input) => Object.entries(requireDict("items", input)),
  dictsort: (input, args) => {
    const caseSensitive = truthy(args.take("case_sensitive", false));
    const by = args.string("by", "key");
    const reverse = truthy(args.take("reverse", false));
    const key = (pair: [string, unknown]) => {
      const value = by === "value" ? pair[1] : pair[0];
      return !caseSensitive && typeof value === "string" ? value.toLowerCase() : value;
    };
    const pairs = Object.entries(requireDict("dictsort", input)).sort((a, b) => pyCompare(key(a), key(b)));
    return reverse ? pairs.reverse() : pairs;
  },
  /** `key | extract(container, morekeys)`: container[key], then each of morekeys in turn. */
  extract: (input, args) => {
    const container = args.take("container");
    const more = args.take("morekeys", null);
    let value = strict(getItem(container, input, "container", `container[${pyStr(input)}]`));
    for (const key of more === null ? [] : Array.isArray(more) ? more : [more]) {
      value = strict(getItem(value, key, "value", `value[${pyStr(key)}]`));
    }
    return value;
  },
};
