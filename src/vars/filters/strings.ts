import type { FilterFn } from "../expr/context.js";
import { pyCapitalize, pyReplace, pySplit, pyStrip, pyTitle } from "../expr/pystring.js";
import { pyStr, typeName } from "../expr/values.js";
import { percentFormat } from "./percent-format.js";

function text(filter: string, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return pyStr(value);
  throw new TypeError(`${filter} expects a string, not ${typeName(value)}`);
}

/** Python's `shlex.quote`: safe words as they are, everything else in single quotes. */
export function shellQuote(value: string): string {
  if (value === "") return "''";
  if (!/[^\w@%+=:,./-]/.test(value)) return value;
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** Jinja's `indent(width=4, first=False, blank=False)`. */
export function indentText(value: string, width: number | string, first: boolean, blank: boolean): string {
  const indentation = typeof width === "string" ? width : " ".repeat(width);
  const lines = `${value}\n`.split("\n").slice(0, -1);
  const [head = "", ...tail] = lines;
  const body = [head, ...tail.map((line) => (line || blank ? indentation + line : line))].join("\n");
  return first ? indentation + body : body;
}

export const STRING_FILTERS: Record<string, FilterFn> = {
  string: (input) => pyStr(input),
  lower: (input) => text("lower", input).toLowerCase(),
  upper: (input) => text("upper", input).toUpperCase(),
  capitalize: (input) => pyCapitalize(text("capitalize", input)),
  title: (input) => pyTitle(text("title", input)),
  trim: (input, args) => pyStrip(text("trim", input), args.optionalString("chars"), "both"),
  replace: (input, args) =>
    pyReplace(
      text("replace", input),
      pyStr(args.take("old")),
      pyStr(args.take("new")),
      args.number("count", -1),
    ),
  split: (input, args) =>
    pySplit(text("split", input), args.optionalString("separator"), args.number("maxsplit", -1)),
  quote: (input) => shellQuote(pyStr(input)),
  indent: (input, args) => {
    const width = args.take("width", 4);
    const first = Boolean(args.take("first", false));
    const blank = Boolean(args.take("blank", false));
    if (typeof width !== "number" && typeof width !== "string")
      return args.fail("width must be a number or a string");
    return indentText(text("indent", input), width, first, blank);
  },
  /** `'%s-%s' | format(a, b)` or `'%(x)s' | format(x=1)`. */
  format: (input, args) => {
    const positional = args.rest();
    const named = args.restKeywords();
    if (positional.length > 0 && named.size > 0) args.fail("takes positional or keyword arguments, not both");
    return percentFormat(text("format", input), named.size > 0 ? [Object.fromEntries(named)] : positional);
  },
  type_debug: (input) => typeName(input),
  wordcount: (input) => (text("wordcount", input).match(/\w+/g) ?? []).length,
};
