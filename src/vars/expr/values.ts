import { TaggedText } from "../../load/tagged.js";
import { OMIT } from "../omit.js";
import { LazyMapping } from "../scope.js";

/**
 * Jinja's (strict) undefined: what a missing variable, key or attribute evaluates to. It may be
 * passed to `default`, `mandatory` and the `defined` tests; anything else that uses it fails.
 */
export class Undefined {
  constructor(
    /** The expression text that was undefined, e.g. `foo.bar`. */
    readonly path: string,
    /** Why, when more can be said (e.g. which keys the dict does have). */
    readonly hint?: string,
  ) {}
}

export type Dict = Record<string, unknown>;

export function isUndefined(value: unknown): value is Undefined {
  return value instanceof Undefined;
}

/** A plain object from YAML, JSON or an expression: what Python calls a dict. */
export function isDict(value: unknown): value is Dict {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isMapping(value: unknown): value is Dict | LazyMapping {
  return isDict(value) || value instanceof LazyMapping;
}

/** A dict's keys; a lazy mapping's keys when its scope can list them. */
export function mappingKeys(value: Dict | LazyMapping): string[] {
  return value instanceof LazyMapping ? [...(value.scope.names?.() ?? [])] : Object.keys(value);
}

export function mappingGet(value: Dict | LazyMapping, key: string): unknown {
  if (value instanceof LazyMapping) return value.scope.has(key) ? value.scope.get(key) : undefined;
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

export function mappingHas(value: Dict | LazyMapping, key: string): boolean {
  return value instanceof LazyMapping ? value.scope.has(key) : Object.hasOwn(value, key);
}

/** Makes a lazy mapping a plain dict (for filters that need every entry). */
export function toDict(value: Dict | LazyMapping): Dict {
  if (!(value instanceof LazyMapping)) return value;
  const out: Dict = {};
  for (const key of mappingKeys(value)) out[key] = value.scope.get(key);
  return out;
}

/** `!unsafe` text is plain text once it reaches an expression. */
export function plainValue(value: unknown): unknown {
  return value instanceof TaggedText && value.tag === "unsafe" ? value.text : value;
}

/** Python's name for a value's type, for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return "NoneType";
  if (value === OMIT) return "omit";
  if (value instanceof Undefined) return "undefined";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (isMapping(value)) return "dict";
  return typeof value;
}

/** Python truthiness: empty strings, lists and dicts, 0 and None are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  if (typeof value === "string" || Array.isArray(value)) return value.length > 0;
  if (value instanceof LazyMapping) return mappingKeys(value).length > 0 || !value.scope.names;
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}

/** Booleans compare as 0 and 1 with numbers, as in Python. */
function numeric(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

/** Python's `==`: deep for lists and dicts, `1 == 1.0 == True`. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => pyEquals(item, b[i]));
  }
  if (isDict(a) && isDict(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && pyEquals(a[key], b[key]))
    );
  }
  return a === b;
}

/** Python's ordering (`<`): numbers, strings and lists; anything else is a TypeError. */
export function pyCompare(a: unknown, b: unknown): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = pyCompare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  throw new TypeError(`'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** Python's `in`: substring, list membership or dict key. */
export function pyContains(container: unknown, item: unknown): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") {
      throw new TypeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((element) => pyEquals(element, item));
  if (isMapping(container)) return mappingHas(container, keyString(item));
  throw new TypeError(`argument of type '${typeName(container)}' is not iterable`);
}

/** Dict keys are strings here (YAML keys are); numbers and booleans become their text. */
export function keyString(key: unknown): string {
  if (typeof key === "string") return key;
  if (typeof key === "number") return String(key);
  return pyStr(key);
}

/** Python's `str()`: what `{{ value }}` prints inside text. */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyRepr(value);
}

/** Python's `repr()`: `['a', 1]`, `{'k': True}`, `None`. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === OMIT) return "__omit_place_holder__";
  if (typeof value === "number") return numberText(value);
  if (typeof value === "string") return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isMapping(value)) {
    const dict = toDict(value);
    return `{${Object.keys(dict)
      .map((key) => `${stringRepr(key)}: ${pyRepr(dict[key])}`)
      .join(", ")}}`;
  }
  if (value instanceof TaggedText) return value.toString();
  return String(value);
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return String(value);
}

function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " " || ch === "\x7f") out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Sets a dict entry; a `__proto__` key stays data instead of replacing the prototype. */
export function dictSet(dict: Dict, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    dict[key] = value;
  }
}
