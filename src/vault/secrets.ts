import { TaggedText } from "../load/tagged.js";

/** What a secret is replaced with in any output. */
export const MASK = "********";

/**
 * Values shorter than this are never masked: masking "yes", "1" or "dev" would shred every line of
 * output while protecting nothing (such values cannot be secret anyway).
 */
export const MIN_SECRET_LENGTH = 4;

/** Past this size a value is masked verbatim only; its encoded variants would cost more than they help. */
const MAX_VARIANT_SOURCE = 4096;
/** A line of a multi-line secret shorter than this ("}", "-----") is not masked on its own. */
const MIN_LINE_LENGTH = 8;
/** A base64 fragment shorter than this could match unrelated text. */
const MIN_BASE64_FRAGMENT = 8;

/**
 * The secrets seen during a run (vault values, `no_log` results) and the masking of everything that is
 * printed. Besides the value itself it masks the forms a value takes on its way to output: trimmed, each
 * line of a multi-line value, JSON-escaped (once and twice), shell-quoted, URL-encoded and base64 (also
 * embedded in longer base64, as in a Docker `auth` entry of `user:token`).
 */
export class SecretRegistry {
  private readonly forms = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;

  /** Registers a secret; values shorter than MIN_SECRET_LENGTH are ignored. */
  add(value: string | Buffer | undefined | null): void {
    if (value === undefined || value === null) return;
    const text = typeof value === "string" ? value : value.toString("utf8");
    // a short value's encoded forms are long enough to pass the check below, the value is not
    if (text.trim().length < MIN_SECRET_LENGTH) return;
    for (const form of formsOf(text)) {
      if (form.length >= MIN_SECRET_LENGTH && !this.forms.has(form)) {
        this.forms.add(form);
        this.dirty = true;
      }
    }
  }

  /** Registers every string inside a structure (a decrypted vars file, a `no_log` result). */
  addDeep(value: unknown): void {
    walkStrings(value, new Set(), (s) => this.add(s));
  }

  /** How many distinct forms are masked (for tests and debugging; never the values themselves). */
  get size(): number {
    return this.forms.size;
  }

  /** Replaces every registered secret in `text` with MASK. */
  mask(text: string): string {
    const pattern = this.compiled();
    if (!pattern) return text;
    return text.replace(pattern, MASK);
  }

  /** A copy of `value` with every string (keys included) masked; non-plain objects are kept as they are. */
  maskDeep<T>(value: T): T {
    if (this.forms.size === 0) return value;
    return this.maskValue(value, new Map()) as T;
  }

  private maskValue(value: unknown, seen: Map<object, unknown>): unknown {
    if (typeof value === "string") return this.mask(value);
    if (value === null || typeof value !== "object") return value;
    const done = seen.get(value);
    if (done !== undefined) return done;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.maskValue(item, seen));
      return out;
    }
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a masked key of "__proto__" must stay a plain key
      Object.defineProperty(out, this.mask(key), {
        value: this.maskValue(item, seen),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  private compiled(): RegExp | undefined {
    if (this.dirty) {
      // Longest first, so a secret is masked whole before any of its fragments.
      const sorted = [...this.forms].sort((a, b) => b.length - a.length);
      this.pattern = sorted.length ? new RegExp(sorted.map(escapeRegExp).join("|"), "g") : undefined;
      this.dirty = false;
    }
    return this.pattern;
  }
}

function formsOf(text: string): string[] {
  const forms = [text, text.trim()];
  if (text.length > MAX_VARIANT_SOURCE) return forms;
  // single lines of a multi-line secret (a key, a certificate) when they are long enough to be specific
  for (const line of text.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_LENGTH) forms.push(line.trim());
  for (const base of [text, text.trim()]) {
    const escaped = JSON.stringify(base).slice(1, -1);
    forms.push(escaped, JSON.stringify(escaped).slice(1, -1));
    forms.push(base.replaceAll("'", `'"'"'`), base.replaceAll("'", `'\\''`), base.replaceAll('"', '\\"'));
    forms.push(encodeURIComponent(base));
    forms.push(...base64Forms(Buffer.from(base, "utf8")));
  }
  return forms;
}

/** The value base64-encoded whole, and the characters that are fixed by it at each of the 3 alignments. */
function base64Forms(bytes: Buffer): string[] {
  const whole = bytes.toString("base64");
  const forms = [whole, whole.replace(/=+$/, ""), bytes.toString("base64url")];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const first = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const fragment = encoded.slice(first, end);
    if (fragment.length >= MIN_BASE64_FRAGMENT)
      forms.push(fragment, fragment.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return forms;
}

function walkStrings(value: unknown, seen: Set<object>, visit: (s: string) => void): void {
  if (typeof value === "string") {
    visit(value);
    return;
  }
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) walkStrings(item, seen, visit);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) walkStrings(item, seen, visit);
  } else if (value instanceof TaggedText && value.tag === "unsafe") {
    // !unsafe text inside a vaulted file is still a secret; !vault text is ciphertext
    visit(value.text);
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
