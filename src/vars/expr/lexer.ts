import { TsibleError } from "../../errors.js";

export type TokenType = "name" | "string" | "number" | "op" | "end" | "eof";

export interface Token {
  type: TokenType;
  /** Names and operators: the text; strings: the decoded value; numbers: the source text. */
  value: string;
  /** Offset of the token's first character in the scanned text. */
  start: number;
  end: number;
}

/** Longest first, so `**` wins over `*` and `//` over `/`. */
const OPERATORS = [
  "**",
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "~",
  "<",
  ">",
  "=",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ".",
  ":",
  "|",
];

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const NUMBER = /\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /\d[\d_]*/y;

/**
 * Splits Jinja expression text into tokens. With `stopAtClose`, a `}}` outside any bracket ends
 * the expression (an "end" token), as in Jinja's lexer, so `{{ {'a': {'b': 1}} }}` still works.
 */
export function tokenize(text: string, from = 0, stopAtClose = false): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (stopAtClose && depth === 0 && (text.startsWith("}}", i) || text.startsWith("-}}", i))) {
      // `-}}` is Jinja's whitespace control: strip the whitespace after the tag.
      const value = text[i] === "-" ? "-}}" : "}}";
      tokens.push({ type: "end", value, start: i, end: i + value.length });
      return tokens;
    }
    if (NAME_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && NAME_PART.test(text[j]!)) j++;
      tokens.push({ type: "name", value: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/\d/.test(ch)) {
      // After `.` a number is an index (`x.0.1` is x[0][1]), so take only the integer part.
      const previous = tokens[tokens.length - 1];
      const pattern = previous?.type === "op" && previous.value === "." ? INTEGER : NUMBER;
      pattern.lastIndex = i;
      const match = pattern.exec(text)!;
      tokens.push({ type: "number", value: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const [value, end] = readString(text, i);
      tokens.push({ type: "string", value, start: i, end });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) {
      throw new TsibleError(`unexpected character '${ch}' in expression: ${text.slice(from)}`, {
        kind: "expression",
      });
    }
    if (op === "(" || op === "[" || op === "{") depth++;
    if (op === ")" || op === "]" || op === "}") depth = Math.max(0, depth - 1);
    tokens.push({ type: "op", value: op, start: i, end: i + op.length });
    i += op.length;
  }
  if (stopAtClose) {
    throw new TsibleError(`missing '}}' to close the expression: {{${text.slice(from)}`, {
      kind: "expression",
    });
  }
  tokens.push({ type: "eof", value: "", start: text.length, end: text.length });
  return tokens;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "0": "\0",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "\n": "",
};

/** Reads a Python string literal; unknown escapes such as `\d` keep their backslash, as in Python. */
function readString(text: string, start: number): [string, number] {
  const quote = text[start]!;
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === quote) return [out, i + 1];
    if (ch !== "\\") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1] ?? "";
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    const hex = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    const digits = text.slice(i + 2, i + 2 + hex);
    if (hex > 0 && digits.length === hex && /^[0-9a-fA-F]+$/.test(digits)) {
      out += String.fromCodePoint(Number.parseInt(digits, 16));
      i += 2 + hex;
      continue;
    }
    out += ch;
    i++;
  }
  throw new TsibleError(`unterminated string in expression: ${text.slice(start)}`, { kind: "expression" });
}
