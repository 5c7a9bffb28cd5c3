import { setOwn } from "./own.js";

/** Thrown when text is not a Python literal; the INI reader then keeps the text as a string. */
class NotALiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?)/;
const WORD = /^[\p{L}\p{N}_]+/u;
const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\n": "",
};

/**
 * Reads `text` as Python's `ast.literal_eval` would: numbers, strings, True/False/None, lists,
 * tuples (as arrays) and dicts. Returns `{ ok: false }` for anything else (sets, bytes, complex
 * numbers, names), where Ansible's INI parser keeps the original text.
 */
export function pythonLiteral(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const reader = new LiteralReader(text.replace(/^[ \t]+/, ""));
    const value = reader.value();
    reader.end();
    return { ok: true, value };
  } catch (err) {
    if (err instanceof NotALiteral) return { ok: false };
    throw err;
  }
}

class LiteralReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw new NotALiteral();
  }

  value(): unknown {
    this.skipSpace();
    const ch = this.text[this.pos];
    if (ch === undefined) throw new NotALiteral();
    if (ch === "[") return this.sequence("]");
    if (ch === "(") return this.parenthesised();
    if (ch === "{") return this.dict();
    if (ch === "-" || ch === "+") {
      this.pos++;
      this.skipSpace();
      const n = this.number();
      return ch === "-" ? -n : n;
    }
    if (/[0-9.]/.test(ch)) return this.number();
    return this.stringsOrName();
  }

  private skipSpace(): void {
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos]!;
      if (ch === "#") {
        const nl = this.text.indexOf("\n", this.pos);
        this.pos = nl < 0 ? this.text.length : nl;
      } else if (/\s/.test(ch)) this.pos++;
      else return;
    }
  }

  private number(): number {
    const m = NUMBER.exec(this.text.slice(this.pos));
    if (!m || m[0] === ".") throw new NotALiteral();
    const raw = m[0];
    // A decimal integer may not have leading zeros (`0644` is a syntax error in Python 3).
    if (/^0\d*[1-9]/.test(raw) && /^\d+$/.test(raw.replace(/_/g, ""))) throw new NotALiteral();
    this.pos += raw.length;
    if (WORD.test(this.text.slice(this.pos))) throw new NotALiteral(); // `1j`, `5abc`
    const digits = raw.replace(/_/g, "");
    if (/^0[xob]/i.test(digits)) return Number(digits.toLowerCase());
    return Number(digits);
  }

  private stringsOrName(): unknown {
    const word = WORD.exec(this.text.slice(this.pos))?.[0] ?? "";
    const after = this.text[this.pos + word.length];
    if (after === "'" || after === '"') {
      let joined = "";
      // Adjacent literals concatenate, as in Python: 'a' "b" is "ab".
      do {
        joined += this.string();
        this.skipSpace();
      } while (/^(?:[rRuU]?)['"]/.test(this.text.slice(this.pos)));
      return joined;
    }
    if (word === "True") return this.consume(word, true);
    if (word === "False") return this.consume(word, false);
    if (word === "None") return this.consume(word, null);
    throw new NotALiteral();
  }

  private consume<T>(word: string, value: T): T {
    this.pos += word.length;
    return value;
  }

  private string(): string {
    const prefix = /^[a-zA-Z]*/.exec(this.text.slice(this.pos))![0];
    if (!/^[rRuU]?$/.test(prefix)) throw new NotALiteral(); // bytes and f-strings are not kept
    this.pos += prefix.length;
    const raw = prefix.toLowerCase() === "r";
    const quote = this.text.startsWith(this.text[this.pos]!.repeat(3), this.pos)
      ? this.text[this.pos]!.repeat(3)
      : this.text[this.pos]!;
    this.pos += quote.length;
    let out = "";
    while (this.pos < this.text.length) {
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const ch = this.text[this.pos]!;
      if (ch === "\n" && quote.length === 1) throw new NotALiteral();
      if (ch === "\\" && this.pos + 1 < this.text.length) {
        out += raw ? this.text.slice(this.pos, this.pos + 2) : this.escape();
        if (raw) this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    throw new NotALiteral();
  }

  private escape(): string {
    const next = this.text[this.pos + 1]!;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined && Object.hasOwn(SIMPLE_ESCAPES, next)) {
      this.pos += 2;
      return simple;
    }
    const hexLength = next === "x" ? 2 : next === "u" ? 4 : next === "U" ? 8 : 0;
    if (hexLength > 0) {
      const hex = this.text.slice(this.pos + 2, this.pos + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) throw new NotALiteral();
      this.pos += 2 + hexLength;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff) throw new NotALiteral();
      return String.fromCodePoint(code);
    }
    const octal = /^[0-7]{1,3}/.exec(this.text.slice(this.pos + 1))?.[0];
    if (octal) {
      this.pos += 1 + octal.length;
      return String.fromCodePoint(Number.parseInt(octal, 8));
    }
    if (next === "N") throw new NotALiteral(); // named escapes are not supported
    this.pos += 2;
    return `\\${next}`;
  }

  private items(close: string, item: () => void): number {
    this.pos++; // the opening bracket
    let count = 0;
    let trailingComma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return count > 0 && trailingComma ? -count : count;
      }
      if (count > 0 && !trailingComma) throw new NotALiteral();
      item();
      count++;
      this.skipSpace();
      trailingComma = this.text[this.pos] === ",";
      if (trailingComma) this.pos++;
    }
  }

  private sequence(close: string): unknown[] {
    const out: unknown[] = [];
    this.items(close, () => out.push(this.value()));
    return out;
  }

  /** `(1, 2)` and `(1,)` are tuples (arrays); `(1)` is just 1; `()` is an empty tuple. */
  private parenthesised(): unknown {
    const out: unknown[] = [];
    const count = this.items(")", () => out.push(this.value()));
    return count === 1 ? out[0] : out;
  }

  private dict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.items("}", () => {
      const key = this.value();
      if (key !== null && typeof key === "object") throw new NotALiteral(); // unhashable
      this.skipSpace();
      if (this.text[this.pos] !== ":") throw new NotALiteral(); // a set, not a dict
      this.pos++;
      setOwn(out, pythonKey(key), this.value());
    });
    return out;
  }
}

/** How Python's json module writes a non-string dict key. */
function pythonKey(key: unknown): string {
  if (key === true) return "true";
  if (key === false) return "false";
  if (key === null) return "null";
  return String(key);
}
