import { TaggedText } from "../../load/tagged.js";
import { pyEquals, pyStr, truthy } from "../expr/values.js";
import { dumpYaml } from "../filters/serialize.js";
import { indentText, shellQuote } from "../filters/strings.js";

/** Handlebars passes an options object last; these helpers only want the values. */
function values(args: unknown[]): unknown[] {
  return args.slice(0, -1);
}

function text(value: unknown): string {
  return value === undefined ? "" : pyStr(value);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof TaggedText ? value.toString() : value;
}

/** The helpers every template has, for Handlebars syntax: `{{default x "y"}}`, `{{#if (eq a b)}}`. */
export const PUBLIC_HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  default: (...args) => {
    const [value, fallback] = values(args);
    return value === undefined || value === null || value === "" ? fallback : value;
  },
  eq: (...args) => {
    const [a, b] = values(args);
    return pyEquals(a, b);
  },
  ne: (...args) => {
    const [a, b] = values(args);
    return !pyEquals(a, b);
  },
  and: (...args) => values(args).every(truthy),
  or: (...args) => values(args).some(truthy),
  not: (...args) => !truthy(values(args)[0]),
  /** `{{json x}}` compact, `{{json x 2}}` indented. */
  json: (...args) => {
    const [value, indent] = values(args);
    return JSON.stringify(value ?? null, jsonReplacer, typeof indent === "number" ? indent : undefined);
  },
  yaml: (...args) => dumpYaml(values(args)[0] ?? null, 2, false).replace(/\n$/, ""),
  b64encode: (...args) => Buffer.from(text(values(args)[0]), "utf8").toString("base64"),
  /** `{{join list ", "}}`; the separator defaults to ", ". */
  join: (...args) => {
    const [list, separator] = values(args);
    const items = Array.isArray(list) ? list : [];
    return items.map(text).join(separator === undefined ? ", " : text(separator));
  },
  /** `{{indent text 4}}` (or `{{indent 4 text}}`): every line but the first, as Jinja's filter. */
  indent: (...args) => {
    let [value, width] = values(args);
    if (typeof value === "number" && typeof width === "string") [value, width] = [width, value];
    return indentText(
      text(value),
      typeof width === "number" || typeof width === "string" ? width : 4,
      false,
      false,
    );
  },
  shquote: (...args) => shellQuote(text(values(args)[0])),
};
