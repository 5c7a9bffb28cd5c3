import type { Args } from "./args.js";
import { pyCapitalize, pyReplace, pyRsplit, pySplit, pySplitlines, pyStrip, pyTitle } from "./pystring.js";
import {
  type Dict,
  isMapping,
  keyString,
  mappingGet,
  mappingHas,
  mappingKeys,
  pyEquals,
  pyStr,
  toDict,
  typeName,
} from "./values.js";

type Method<T> = (self: T, args: Args) => unknown;

function affixes(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== "string")
      throw new TypeError(`expected a string or a list of strings, not ${typeName(item)}`);
    return item;
  });
}

function maxsplit(args: Args): [string | undefined, number] {
  return [args.optionalString("sep"), args.number("maxsplit", -1)];
}

/** The string methods Ansible users call; Python's names and semantics. */
const STRING_METHODS: Record<string, Method<string>> = {
  split: (s, a) => pySplit(s, ...maxsplit(a)),
  rsplit: (s, a) => pyRsplit(s, ...maxsplit(a)),
  strip: (s, a) => pyStrip(s, a.optionalString("chars"), "both"),
  lstrip: (s, a) => pyStrip(s, a.optionalString("chars"), "left"),
  rstrip: (s, a) => pyStrip(s, a.optionalString("chars"), "right"),
  startswith: (s, a) => affixes(a.take("prefix")).some((p) => s.startsWith(p)),
  endswith: (s, a) => affixes(a.take("suffix")).some((p) => s.endsWith(p)),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => pyCapitalize(s),
  title: (s) => pyTitle(s),
  replace: (s, a) => pyReplace(s, a.string("old"), a.string("new"), a.number("count", -1)),
  splitlines: (s, a) => pySplitlines(s, Boolean(a.take("keepends", false))),
  join: (s, a) => {
    const items = a.take("iterable");
    if (!Array.isArray(items)) throw new TypeError(`can only join a list, not ${typeName(items)}`);
    return items.map(pyStr).join(s);
  },
  find: (s, a) => s.indexOf(a.string("sub")),
  rfind: (s, a) => s.lastIndexOf(a.string("sub")),
  count: (s, a) => {
    const sub = a.string("sub");
    return sub === "" ? [...s].length + 1 : s.split(sub).length - 1;
  },
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^\p{L}+$/u.test(s),
  isalnum: (s) => /^[\p{L}\d]+$/u.test(s),
  isspace: (s) => /^\s+$/.test(s),
  islower: (s) => s.toLowerCase() === s && s.toUpperCase() !== s,
  isupper: (s) => s.toUpperCase() === s && s.toLowerCase() !== s,
  zfill: (s, a) => {
    const width = a.number("width");
    const sign = /^[+-]/.test(s) ? s[0]! : "";
    return sign + s.slice(sign.length).padStart(width - sign.length, "0");
  },
  ljust: (s, a) => s.padEnd(a.number("width"), a.string("fillchar", " ")),
  rjust: (s, a) => s.padStart(a.number("width"), a.string("fillchar", " ")),
};

const DICT_METHODS: Record<string, Method<Dict>> = {
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  items: (d) => Object.entries(d),
  copy: (d) => ({ ...d }),
};

const LIST_METHODS: Record<string, Method<unknown[]>> = {
  index: (l, a) => {
    const item = a.take("value");
    const at = l.findIndex((element) => pyEquals(element, item));
    if (at < 0) throw new RangeError(`${pyStr(item)} is not in list`);
    return at;
  },
  count: (l, a) => {
    const item = a.take("value");
    return l.filter((element) => pyEquals(element, item)).length;
  },
};

/** A method call `receiver.name(args)`, if `name` is one of the safe methods of its type. */
export function findMethod(receiver: unknown, name: string): ((args: Args) => unknown) | undefined {
  const pick = <T>(table: Record<string, Method<T>>, self: T) =>
    Object.hasOwn(table, name)
      ? (args: Args) => {
          const result = table[name]!(self, args);
          args.done();
          return result;
        }
      : undefined;
  if (typeof receiver === "string") return pick(STRING_METHODS, receiver);
  if (Array.isArray(receiver)) return pick(LIST_METHODS, receiver);
  if (isMapping(receiver)) {
    // `get` and `keys` work on a lazy mapping without building the whole dict.
    if (name === "get") {
      return (args: Args) => {
        const key = keyString(args.take("key"));
        const fallback = args.take("default", null);
        return mappingHas(receiver, key) ? mappingGet(receiver, key) : fallback;
      };
    }
    if (name === "keys") return () => mappingKeys(receiver);
    return Object.hasOwn(DICT_METHODS, name) ? pick(DICT_METHODS, toDict(receiver)) : undefined;
  }
  return undefined;
}
