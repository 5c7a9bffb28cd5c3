import { getItem } from "../expr/members.js";
import { isMapping, mappingKeys, plainValue, typeName, Undefined } from "../expr/values.js";

/** The items a filter iterates over: list items, string characters, dict keys (as in Python). */
export function iterate(filter: string, value: unknown): unknown[] {
  if (Array.isArray(value)) return value.map(plainValue);
  if (typeof value === "string") return [...value];
  if (isMapping(value)) return mappingKeys(value);
  throw new TypeError(`${filter} expects a list, not ${typeName(value)}`);
}

/**
 * Jinja's attribute getter: `'a.b'` reads item.a.b and `'0'` an index; the result may be
 * Undefined (only the `defined` tests and `default=` accept one).
 */
export function attributeGetter(attribute: unknown): (item: unknown) => unknown {
  const parts = String(attribute)
    .split(".")
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return (item) => {
    let value: unknown = item;
    let path = "item";
    for (const part of parts) {
      const next = typeof part === "number" ? `${path}[${part}]` : `${path}.${part}`;
      value = getItem(value, part, path, next);
      path = next;
    }
    return value;
  };
}

/** Sorting key for Jinja's case-insensitive default. */
export function sortKey(value: unknown, caseSensitive: boolean): unknown {
  if (value instanceof Undefined) return value;
  return !caseSensitive && typeof value === "string" ? value.toLowerCase() : value;
}
