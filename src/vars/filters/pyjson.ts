import { TaggedText } from "../../load/tagged.js";
import { isMapping, toDict, typeName } from "../expr/values.js";

export interface JsonOptions {
  indent?: number | undefined;
  sortKeys?: boolean;
  ensureAscii?: boolean;
  /** Python's `separators`; the default depends on `indent`, as in json.dumps. */
  separators?: [string, string];
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function jsonString(text: string, ensureAscii: boolean): string {
  const unsafe = ensureAscii ? /[\\"]|[^ -~]/g : /[\\"\x00-\x1f]/g;
  return `"${text.replace(unsafe, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function jsonNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return String(value);
}

/** Python's `json.dumps`, so `to_json` output matches Ansible's byte for byte on common data. */
export function pyJsonDumps(value: unknown, options: JsonOptions = {}): string {
  const { indent, sortKeys = false, ensureAscii = true } = options;
  const [itemSep, keySep] = options.separators ?? (indent === undefined ? [", ", ": "] : [",", ": "]);
  const write = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number") return jsonNumber(v);
    if (typeof v === "string") return jsonString(v, ensureAscii);
    if (v instanceof TaggedText) return jsonString(v.toString(), ensureAscii);
    let parts: string[];
    let open: string;
    let close: string;
    if (Array.isArray(v)) {
      parts = v.map((item) => write(item, depth + 1));
      [open, close] = ["[", "]"];
    } else if (isMapping(v)) {
      const dict = toDict(v);
      const keys = Object.keys(dict);
      if (sortKeys) keys.sort();
      parts = keys.map((key) => jsonString(key, ensureAscii) + keySep + write(dict[key], depth + 1));
      [open, close] = ["{", "}"];
    } else {
      throw new TypeError(`Object of type ${typeName(v)} is not JSON serializable`);
    }
    if (parts.length === 0) return open + close;
    if (indent === undefined) return open + parts.join(itemSep) + close;
    const inner = `\n${" ".repeat(indent * (depth + 1))}`;
    return `${open}${inner}${parts.join(itemSep + inner)}\n${" ".repeat(indent * depth)}${close}`;
  };
  return write(value, 0);
}
