import { didYouMean, TsibleError } from "../../errors.js";
import {
  isMapping,
  keyString,
  mappingGet,
  mappingHas,
  mappingKeys,
  plainValue,
  typeName,
  Undefined,
} from "./values.js";

/** Names that lead to JavaScript internals; refused wherever they appear as a key or attribute. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

export function refuseForbidden(name: string): void {
  if (FORBIDDEN.has(name)) {
    throw new TsibleError(`access to '${name}' is not allowed in expressions`, {
      kind: "expression",
      hint: "expressions read only the data of variables, not JavaScript internals",
    });
  }
}

/** Why a key is missing, with the keys that do exist (and the closest one). */
function missingKeyHint(owner: string, key: string, keys: string[]): string {
  if (keys.length === 0) return `'${owner}' is empty`;
  const close = didYouMean(key, keys);
  const listed = keys.slice(0, 12).join(", ") + (keys.length > 12 ? ", ..." : "");
  return `'${owner}' has no key '${key}'${close ? ` (did you mean '${close}'?)` : ""}; its keys are: ${listed}`;
}

/**
 * `value.name`: an own entry of a dict (or a list index for `.0`); anything else is undefined.
 * `ownerText` is the expression text of `value`, `pathText` that of the whole access.
 */
export function getAttribute(value: unknown, name: string, ownerText: string, pathText: string): unknown {
  refuseForbidden(name);
  if (value instanceof Undefined)
    return new Undefined(pathText, value.hint ?? `'${value.path}' is undefined`);
  if (isMapping(value)) {
    if (mappingHas(value, name)) return plainValue(mappingGet(value, name));
    return new Undefined(pathText, missingKeyHint(ownerText, name, mappingKeys(value)));
  }
  return new Undefined(pathText, `'${ownerText}' is a ${typeName(value)}, which has no attribute '${name}'`);
}

/** Python's index for a possibly negative position, or undefined when out of range. */
function position(index: number, length: number): number | undefined {
  if (!Number.isInteger(index)) return undefined;
  const at = index < 0 ? index + length : index;
  return at >= 0 && at < length ? at : undefined;
}

/** `value[key]`: dict key, list or string position (negative from the end). */
export function getItem(value: unknown, key: unknown, ownerText: string, pathText: string): unknown {
  if (typeof key === "string") refuseForbidden(key);
  if (value instanceof Undefined)
    return new Undefined(pathText, value.hint ?? `'${value.path}' is undefined`);
  if (isMapping(value)) {
    const name = keyString(key);
    if (mappingHas(value, name)) return plainValue(mappingGet(value, name));
    return new Undefined(pathText, missingKeyHint(ownerText, name, mappingKeys(value)));
  }
  if ((Array.isArray(value) || typeof value === "string") && typeof key === "number") {
    const at = position(key, value.length);
    if (at !== undefined) return Array.isArray(value) ? plainValue(value[at]) : value[at];
    return new Undefined(pathText, `index ${key} is out of range: '${ownerText}' has ${value.length} items`);
  }
  if (typeof key === "string" && !Array.isArray(value) && typeof value !== "string") {
    return getAttribute(value, key, ownerText, pathText);
  }
  return new Undefined(
    pathText,
    `'${ownerText}' (a ${typeName(value)}) cannot be indexed with ${typeName(key)}`,
  );
}

/** Python's slice `value[from:to:step]` on lists and strings. */
export function getSlice(value: unknown, from: unknown, to: unknown, step: unknown): unknown {
  if (!Array.isArray(value) && typeof value !== "string") {
    throw new TypeError(`'${typeName(value)}' object is not subscriptable`);
  }
  const bound = (b: unknown, name: string): number | undefined => {
    if (b === null || b === undefined) return undefined;
    if (typeof b !== "number" || !Number.isInteger(b)) {
      throw new TypeError(`slice ${name} must be an integer or None, not ${typeName(b)}`);
    }
    return b;
  };
  const stride = bound(step, "step") ?? 1;
  if (stride === 0) throw new RangeError("slice step cannot be zero");
  const length = value.length;
  const clamp = (b: number | undefined, fallback: number): number => {
    if (b === undefined) return fallback;
    const at = b < 0 ? b + length : b;
    return stride > 0 ? Math.min(Math.max(at, 0), length) : Math.min(Math.max(at, -1), length - 1);
  };
  const start = clamp(bound(from, "start"), stride > 0 ? 0 : length - 1);
  const stop = clamp(bound(to, "stop"), stride > 0 ? length : -1);
  const picked: unknown[] = [];
  for (let i = start; stride > 0 ? i < stop : i > stop; i += stride) picked.push(value[i]);
  return typeof value === "string" ? picked.join("") : picked;
}
