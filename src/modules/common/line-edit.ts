import { TsibleError } from "../../errors.js";
import { pyRegex, pyReplacement } from "../../vars/pyregex.js";

/** A file's lines as Python's `readlines` gives them: each keeps its "\n" (the last may lack one). */
export function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

const stripEol = (line: string) => line.replace(/[\r\n]+$/, "");
const endsWithBreak = (line: string | undefined) => line !== undefined && /[\r\n]$/.test(line);

function compile(pattern: string, option: string): RegExp {
  try {
    return pyRegex(pattern);
  } catch (err) {
    throw new TsibleError(`${option}: ${(err as Error).message}`, { kind: "module" });
  }
}

export interface PresentSpec {
  line: string;
  regexp?: string;
  searchString?: string;
  /** "EOF" (the default when neither is given), "BOF" or a regular expression. */
  insertafter?: string;
  insertbefore?: string;
  backrefs: boolean;
  firstmatch: boolean;
}

export interface LineEdit {
  lines: string[];
  changed: boolean;
  msg: string;
}

/** Python's `match.expand`: `\1`, `\g<name>` and escapes in `template`, filled from `match`. */
function expand(template: string, match: RegExpExecArray): string {
  const replace = pyReplacement(template);
  const groups = match.slice(1);
  return match.groups
    ? replace(match[0], ...groups, match.index, match.input, match.groups)
    : replace(match[0], ...groups, match.index, match.input);
}

/**
 * lineinfile state=present, step for step as Ansible decides: the last line matching `regexp` (or
 * containing `searchString`; the first with `firstmatch`) is replaced; otherwise, unless the exact
 * line is already there, the line is inserted after/before the last (first) line matching the
 * insert pattern, or at BOF/EOF. With `backrefs` and no match nothing changes.
 */
export function ensureLinePresent(input: readonly string[], spec: PresentSpec): LineEdit {
  const lines = [...input];
  const insertafter = spec.insertafter ?? (spec.insertbefore === undefined ? "EOF" : undefined);
  const { insertbefore, line } = spec;
  const matcher = spec.regexp === undefined ? undefined : compile(spec.regexp, "regexp");
  const insertPattern =
    insertafter !== undefined && insertafter !== "BOF" && insertafter !== "EOF"
      ? compile(insertafter, "insertafter")
      : insertbefore !== undefined && insertbefore !== "BOF"
        ? compile(insertbefore, "insertbefore")
        : undefined;

  let found = -1;
  let insertAt = -1;
  let match: RegExpExecArray | undefined;
  let matched = false;
  if (matcher) {
    for (const [i, current] of lines.entries()) {
      const m = matcher.exec(current);
      if (!m) continue;
      found = i;
      match = m;
      matched = true;
      if (spec.firstmatch) break;
    }
  }
  if (spec.searchString !== undefined) {
    for (const [i, current] of lines.entries()) {
      if (!current.includes(spec.searchString)) continue;
      found = i;
      matched = true;
      if (spec.firstmatch) break;
    }
  }
  if (!matched) {
    for (const [i, current] of lines.entries()) {
      if (stripEol(current) === line) {
        found = i;
      } else if (insertPattern?.test(current)) {
        if (insertafter !== undefined) {
          insertAt = i + 1;
          if (spec.firstmatch) break;
        }
        if (insertbefore !== undefined) {
          insertAt = i;
          if (spec.firstmatch) break;
        }
      }
    }
  }

  const added = (at: number): LineEdit => {
    lines.splice(at, 0, `${line}\n`);
    return { lines, changed: true, msg: "line added" };
  };
  const unchanged: LineEdit = { lines, changed: false, msg: "" };

  if (found !== -1) {
    let replacement = spec.backrefs && match ? expand(line, match) : line;
    if (!replacement.endsWith("\n")) replacement += "\n";
    if (lines[found] === replacement) return unchanged;
    lines[found] = replacement;
    return { lines, changed: true, msg: "line replaced" };
  }
  if (spec.backrefs) return unchanged;
  if (insertbefore === "BOF" || insertafter === "BOF") return added(0);
  if (insertafter === "EOF" || insertAt === -1) {
    if (lines.length > 0 && !endsWithBreak(lines.at(-1))) lines.push("\n");
    return added(lines.length);
  }
  if (insertafter !== undefined) {
    // the line right after the insert point is already this line: nothing to do
    const next = insertAt === lines.length ? lines[insertAt - 1] : lines[insertAt];
    if (next !== undefined && stripEol(next) === line) return unchanged;
    return added(insertAt);
  }
  return added(insertAt);
}

export interface AbsentSpec {
  line?: string;
  regexp?: string;
  searchString?: string;
}

/** lineinfile state=absent: every line matching `regexp`, containing `searchString`, or equal to `line` goes. */
export function ensureLineAbsent(input: readonly string[], spec: AbsentSpec): LineEdit & { found: number } {
  const matcher = spec.regexp === undefined ? undefined : compile(spec.regexp, "regexp");
  const kept: string[] = [];
  let found = 0;
  for (const current of input) {
    const hit = matcher
      ? matcher.test(current)
      : spec.searchString !== undefined
        ? current.includes(spec.searchString)
        : stripEol(current) === spec.line;
    if (hit) found++;
    else kept.push(current);
  }
  return { lines: kept, changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : "", found };
}
