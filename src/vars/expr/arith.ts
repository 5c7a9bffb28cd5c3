import { pyStr, typeName } from "./values.js";

type Arith = "+" | "-" | "*" | "/" | "//" | "%" | "**";

function unsupported(op: string, a: unknown, b: unknown): never {
  throw new TypeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Numbers, with booleans as 0/1 as in Python. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

function repeat<T>(times: number, item: T[] | string): T[] | string {
  const count = Math.max(0, Math.trunc(times));
  if (typeof item === "string") return item.repeat(count);
  return Array.from({ length: count }, () => item).flat() as T[];
}

/** Python's arithmetic: `+` joins strings and lists, `*` repeats them, `//` and `%` floor. */
export function arithmetic(op: Arith, a: unknown, b: unknown): unknown {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === undefined || y === undefined) {
    if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
    if (op === "+" && Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (op === "*" && x !== undefined && (typeof b === "string" || Array.isArray(b))) return repeat(x, b);
    if (op === "*" && y !== undefined && (typeof a === "string" || Array.isArray(a))) return repeat(y, a);
    return unsupported(op, a, b);
  }
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "**":
      return x ** y;
    case "/":
      if (y === 0) throw new RangeError("division by zero");
      return x / y;
    case "//":
      if (y === 0) throw new RangeError("integer division or modulo by zero");
      return Math.floor(x / y);
    case "%":
      if (y === 0) throw new RangeError("integer division or modulo by zero");
      return ((x % y) + y) % y;
  }
}

export function negate(op: "-" | "+", value: unknown): number {
  const x = asNumber(value);
  if (x === undefined) throw new TypeError(`bad operand type for unary ${op}: '${typeName(value)}'`);
  return op === "-" ? -x : x;
}

/** Jinja's `~`: both sides as text. */
export function concat(a: unknown, b: unknown): string {
  return pyStr(a) + pyStr(b);
}
