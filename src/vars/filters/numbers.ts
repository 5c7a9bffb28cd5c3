import type { FilterFn } from "../expr/context.js";
import { typeName } from "../expr/values.js";

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Python's `int(text, base)`: sign, underscores between digits, and a 0x/0o/0b prefix matching the base. */
function parseInteger(text: string, base: number): number | undefined {
  let body = text.trim().toLowerCase();
  let sign = 1;
  if (body.startsWith("-") || body.startsWith("+")) {
    if (body.startsWith("-")) sign = -1;
    body = body.slice(1);
  }
  const prefixes: Record<number, string> = { 16: "0x", 8: "0o", 2: "0b" };
  let radix = base;
  if (base === 0) {
    const found = Object.entries(prefixes).find(([, p]) => body.startsWith(p));
    radix = found ? Number(found[0]) : 10;
  }
  const prefix = prefixes[radix];
  if (prefix && body.startsWith(prefix)) body = body.slice(2).replace(/^_/, "");
  if (!/^[0-9a-z]+(_[0-9a-z]+)*$/.test(body)) return undefined;
  let value = 0;
  for (const ch of body.replaceAll("_", "")) {
    const digit = DIGITS.indexOf(ch);
    if (digit < 0 || digit >= radix) return undefined;
    value = value * radix + digit;
  }
  return sign * value;
}

/** Python's `float(text)`. */
function parsePyFloat(text: string): number | undefined {
  const body = text.trim().toLowerCase().replaceAll("_", "");
  if (/^[+-]?(inf|infinity)$/.test(body)) return body.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(body)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return undefined;
  return Number(body);
}

function toFloat(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string") return parsePyFloat(value);
  return undefined;
}

/** Python's `round()`: halves go to the even neighbour. */
function roundHalfEven(value: number, precision: number): number {
  const scale = 10 ** precision;
  const scaled = value * scale;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let rounded: number;
  if (diff > 0.5) rounded = floor + 1;
  else if (diff < 0.5) rounded = floor;
  else rounded = floor % 2 === 0 ? floor : floor + 1;
  return rounded / scale;
}

function requireNumber(filter: string, value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  throw new TypeError(`${filter} expects a number, not ${typeName(value)}`);
}

export const NUMBER_FILTERS: Record<string, FilterFn> = {
  /** Jinja's `int(default=0, base=10)`: text in the base, else via float, else the default. */
  int: (input, args) => {
    const fallback = args.take("default", 0);
    const base = args.number("base", 10);
    if (typeof input === "string") {
      const parsed = parseInteger(input, base);
      if (parsed !== undefined) return parsed;
    }
    const asFloat = toFloat(input);
    return asFloat === undefined || !Number.isFinite(asFloat) ? fallback : Math.trunc(asFloat);
  },
  float: (input, args) => {
    const fallback = args.take("default", 0);
    return toFloat(input) ?? fallback;
  },
  abs: (input) => Math.abs(requireNumber("abs", input)),
  round: (input, args) => {
    const precision = args.number("precision", 0);
    const method = args.string("method", "common");
    const value = requireNumber("round", input);
    const scale = 10 ** precision;
    if (method === "ceil") return Math.ceil(value * scale) / scale;
    if (method === "floor") return Math.floor(value * scale) / scale;
    if (method !== "common") args.fail("method must be 'common', 'ceil' or 'floor'");
    return roundHalfEven(value, precision);
  },
};
