import { TsibleError } from "../../errors.js";

/** The options Ansible takes out of a command's free-form text; every other `k=v` stays in the command. */
const COMMAND_OPTIONS = new Set([
  "creates",
  "removes",
  "chdir",
  "executable",
  "warn",
  "stdin",
  "stdin_add_newline",
  "strip_empty_ends",
]);

/**
 * Parses a module's string arguments the way Ansible's `parse_kv` does.
 * "kv": every `key=value` word is an option. "command": only the command options that `knownKeys`
 * also lists (chdir, creates, removes, ...) are options, wherever they stand, as in Ansible.
 * Words that are not options are joined, with their line breaks, into `_raw_params`.
 */
export function parseFreeForm(
  text: string,
  mode: "command" | "kv",
  knownKeys: string[],
): Record<string, unknown> {
  const known = new Set(knownKeys);
  const options: Record<string, unknown> = {};
  const raw: string[] = [];
  for (const word of splitArgs(text)) {
    const decoded = decodeEscapes(word);
    const eq = unescapedEquals(decoded);
    if (eq === undefined) {
      raw.push(decoded.includes("=") ? decoded.replaceAll("\\=", "=") : word);
      continue;
    }
    const key = decoded.slice(0, eq);
    if (mode === "command" && !(COMMAND_OPTIONS.has(key) && known.has(key))) {
      raw.push(word);
      continue;
    }
    options[key.trim()] = unquote(decoded.slice(eq + 1).trim());
  }
  if (raw.length > 0) options._raw_params = joinArgs(raw);
  return options;
}

/** The first `=` not preceded by a backslash (a leading `=` does not count, as in Ansible). */
function unescapedEquals(word: string): number | undefined {
  for (let i = 1; i < word.length; i++) {
    if (word[i] === "=" && word[i - 1] !== "\\") return i;
  }
  return undefined;
}

function unquote(value: string): string {
  const first = value[0];
  const quoted =
    value.length > 1 && (first === '"' || first === "'") && value.at(-1) === first && value.at(-2) !== "\\";
  return quoted ? value.slice(1, -1) : value;
}

/** Joins words back, keeping the line breaks they carry. */
function joinArgs(words: string[]): string {
  let out = "";
  for (const word of words) out += out === "" || out.endsWith("\n") ? word : ` ${word}`;
  return out;
}

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
};

/** Python's unicode-escape decoding of `\n`, `\t`, `\\`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`. */
function decodeEscapes(word: string): string {
  return word.replace(
    /\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\\'"abfnrtv])/g,
    (_all, esc: string) => {
      const simple = SIMPLE_ESCAPES[esc];
      if (simple !== undefined) return simple;
      const code = Number.parseInt(esc.slice(1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : `\\${esc}`;
    },
  );
}

/** The quote a word leaves open, given the quote open before it. */
function quoteStateAfter(word: string, open: string | undefined): string | undefined {
  let quote = open;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if ((c === '"' || c === "'") && (i === 0 || word[i - 1] !== "\\")) {
      if (quote === undefined) quote = c;
      else if (quote === c) quote = undefined;
    }
  }
  return quote;
}

/** Non-overlapping occurrences, as str.count in Python. */
function count(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

function blockDepth(word: string, depth: number, open: string, close: string): number {
  const delta = count(word, open) - count(word, close);
  return delta === 0 ? depth : Math.max(0, depth + delta);
}

const JINJA_BLOCKS = [
  ["{{", "}}", "print"],
  ["{%", "%}", "block"],
  ["{#", "#}", "comment"],
] as const;

/**
 * Splits on spaces and line breaks, keeping quoted strings and `{{ }}`, `{% %}`, `{# #}` blocks
 * together, and keeping the line break that ends each line on that line's last word
 * (Ansible's `split_args`).
 */
export function splitArgs(text: string): string[] {
  const params: string[] = [];
  const appendToLast = (piece: string) => {
    params[params.length - 1] = (params.at(-1) ?? "") + piece;
  };
  let quote: string | undefined;
  let print = 0;
  let block = 0;
  let comment = 0;
  const lines = text.split("\n");
  lines.forEach((line, lineIndex) => {
    const words = line.split(" ");
    let continuation = false;
    words.forEach((word, index) => {
      if (word.length === 0 && index !== 0) {
        if (params.length > 0) appendToLast(" ");
        return;
      }
      if (word === "\\" && quote === undefined) {
        continuation = true;
        return;
      }
      const wasQuoted = quote !== undefined;
      quote = quoteStateAfter(word, quote);
      const quoted = quote !== undefined;
      const inBlock = print > 0 || block > 0 || comment > 0;
      let appended = false;
      if (quoted && !wasQuoted && !inBlock) {
        params.push(word);
        appended = true;
      } else if (inBlock || quoted || wasQuoted) {
        if (index === 0 && wasQuoted) appendToLast(word);
        else if (words.length > 1) appendToLast(`${index > 0 ? " " : ""}${word}`);
        else appendToLast(`\n${word}`);
        appended = true;
      }
      // every opener has a "{" and every closer a "}": most words of a shell script have neither
      const braces = word.includes("{") || word.includes("}");
      for (const [open, close, which] of braces ? JINJA_BLOCKS : []) {
        const before = which === "print" ? print : which === "block" ? block : comment;
        const after = blockDepth(word, before, open, close);
        if (which === "print") print = after;
        else if (which === "block") block = after;
        else comment = after;
        if (after !== before && !appended) {
          params.push(word);
          appended = true;
        }
      }
      if (print === 0 && block === 0 && comment === 0 && quote === undefined && !appended && word !== "")
        params.push(word);
    });
    if (lines.length > 1 && lineIndex !== lines.length - 1 && !continuation && params.length > 0)
      appendToLast("\n");
  });
  if (print > 0 || block > 0 || comment > 0 || quote !== undefined) {
    throw new TsibleError(
      `failed at splitting arguments, either an unbalanced jinja2 block or quotes: ${text}`,
      {
        kind: "parse",
        hint: "close the quote or the {{ }} block, or quote the whole line",
      },
    );
  }
  return params;
}
