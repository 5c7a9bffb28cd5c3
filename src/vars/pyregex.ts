import { TsibleError } from "../errors.js";

export interface RegexOptions {
  ignorecase?: boolean;
  multiline?: boolean;
  /** Find every match (JavaScript's `g`). */
  all?: boolean;
}

const cache = new Map<string, { source: string; flags: string }>();

/**
 * Translates a Python `re` pattern into a JavaScript RegExp: leading inline flags `(?ims)`,
 * named groups `(?P<n>…)` and `(?P=n)`, `\A`, `\Z`, and Python's `$` (which also matches before a
 * final newline). Character classes are copied as they are.
 */
function translate(pattern: string): { source: string; flags: string } {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let flags = "";
  let rest = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(rest);
  if (inline) {
    if (inline[1]!.includes("x"))
      throw new TsibleError("verbose regular expressions ((?x)) are not supported", { kind: "expression" });
    for (const flag of inline[1]!) if ("ims".includes(flag) && !flags.includes(flag)) flags += flag;
    rest = rest.slice(inline[0].length);
  }
  const multiline = flags.includes("m");
  let source = "";
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === "\\") {
      const next = rest[i + 1] ?? "";
      i++;
      if (!inClass && next === "A") source += "(?<![\\s\\S])";
      else if (!inClass && next === "Z") source += "(?![\\s\\S])";
      else source += ch + next;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      source += ch;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      source += ch;
      // A `]` right after `[` or `[^` is a literal in Python.
      if (rest[i + 1] === "^") source += rest[++i];
      if (rest[i + 1] === "]") source += `\\${rest[++i]}`;
      continue;
    }
    if (rest.startsWith("(?P<", i)) {
      source += "(?<";
      i += 3;
      continue;
    }
    const backref = /^\(\?P=(\w+)\)/.exec(rest.slice(i));
    if (backref) {
      source += `\\k<${backref[1]}>`;
      i += backref[0].length - 1;
      continue;
    }
    source += ch === "$" && !multiline ? "(?=\\n?(?![\\s\\S]))" : ch;
  }
  const result = { source, flags };
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, result);
  return result;
}

/** Compiles a Python regular expression; a bad pattern is an expression error. */
export function pyRegex(pattern: string, options: RegexOptions = {}): RegExp {
  const { source, flags } = translate(pattern);
  let all = flags;
  if (options.ignorecase && !all.includes("i")) all += "i";
  if (options.multiline && !all.includes("m")) all += "m";
  if (options.all) all += "g";
  try {
    return new RegExp(source, all);
  } catch (err) {
    throw new TsibleError(`invalid regular expression '${pattern}': ${(err as Error).message}`, {
      kind: "expression",
    });
  }
}

/** Python's `re.match`: a match that starts at the beginning. */
export function pyMatch(pattern: string, text: string, options: RegexOptions = {}): RegExpExecArray | null {
  const regex = pyRegex(pattern, options);
  const anchored = new RegExp(regex.source, `${regex.flags}y`);
  return anchored.exec(text);
}

/** The number of capture groups in a regular expression. */
export function groupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`).exec("")!.length - 1;
}

/**
 * A Python replacement template (`\1`, `\g<1>`, `\g<name>`, `\n`) as a function of a match;
 * a group that did not take part in the match is empty, as in Python 3.5+.
 */
export function pyReplacement(template: string): (match: string, ...rest: unknown[]) => string {
  const pieces: Array<string | number | { name: string }> = [];
  let literal = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== "\\") {
      literal += ch;
      continue;
    }
    const after = template.slice(i + 1);
    const numbered = /^(\d{1,2})/.exec(after);
    const named = /^g<([^>]+)>/.exec(after);
    const escaped = { n: "\n", t: "\t", r: "\r", "\\": "\\", f: "\f", v: "\v", a: "\x07", b: "\b" }[
      after[0] ?? ""
    ];
    if (numbered || named) {
      if (literal) pieces.push(literal);
      literal = "";
      const ref = numbered ? numbered[1]! : named![1]!;
      pieces.push(/^\d+$/.test(ref) ? Number(ref) : { name: ref });
      i += (numbered ?? named)![0].length;
    } else if (escaped !== undefined) {
      literal += escaped;
      i++;
    } else {
      literal += ch;
    }
  }
  if (literal) pieces.push(literal);
  return (match: string, ...rest: unknown[]) => {
    const last = rest[rest.length - 1];
    const named =
      typeof last === "object" && last !== null ? (last as Record<string, string | undefined>) : {};
    const groups = rest.slice(0, typeof last === "object" && last !== null ? -3 : -2) as Array<
      string | undefined
    >;
    return pieces
      .map((piece) => {
        if (typeof piece === "string") return piece;
        if (typeof piece === "number") return piece === 0 ? match : (groups[piece - 1] ?? "");
        return named[piece.name] ?? "";
      })
      .join("");
  };
}

/** Python's `re.escape` (3.7+): only the characters that are special in a pattern. */
export function pyRegexEscape(text: string): string {
  return text.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (ch) => `\\${ch}`);
}
