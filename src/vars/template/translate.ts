import type { Node } from "../expr/ast.js";
import { parseExpression, parseForIterable } from "../expr/parser.js";
import { applyWhitespaceControl, type Segment, scanTemplate, templateError } from "./scan.js";

/** What one of our helpers evaluates, with where it was written. */
export type Entry = { node: Node; source: string; line: number; col: number } & (
  | { kind: "expr" | "cond" }
  | { kind: "for"; targets: string[]; filter: Node | undefined }
  | { kind: "set"; name: string }
);

export interface Translation {
  /** Handlebars source: Jinja parts replaced by `{{__expr N}}`, `{{#__for N}}`... */
  source: string;
  entries: Entry[];
  /** lineMap[generated line] = original line (Handlebars reports generated lines). */
  lineMap: number[];
  /** Whether Jinja tags or comments were used (then Jinja's whitespace rules apply, not Handlebars'). */
  jinjaTags: boolean;
  /**
   * For a template of text and `{{ expressions }}` only (no tags but raw, no Handlebars syntax):
   * its text pieces and entry numbers in order, which render without Handlebars.
   */
  plain: Array<string | number> | undefined;
}

/** Finds line and column of offsets quickly (templates can be long). */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  at(offset: number): { line: number; col: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, col: offset - this.starts[low]! + 1 };
  }
}

const FOR_HEAD = /^\(?\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s*\)?\s+in\s+([\s\S]+)$/;
const SET_HEAD = /^([A-Za-z_]\w*)\s*=\s*([\s\S]+)$/;
const UNSUPPORTED_HINT =
  "supported tags: if/elif/else/endif, for/else/endfor, set, raw/endraw; Handlebars blocks also work";

export function translate(text: string): Translation {
  const segments = scanTemplate(text);
  applyWhitespaceControl(text, segments);
  const lines = new LineIndex(text);
  const entries: Entry[] = [];
  const lineMap = [1, 1];
  const stack: Array<{ keyword: "if" | "for"; seenElse: boolean; at: number }> = [];
  let out = "";
  let jinjaTags = false;
  let plain: Array<string | number> | undefined = [];

  const attempt = <T>(segment: Segment, action: () => T): T => {
    try {
      return action();
    } catch (err) {
      throw templateError(err instanceof Error ? err.message : String(err), text, segment.start);
    }
  };
  const parse = (expression: string, segment: Segment): Node =>
    attempt(segment, () => parseExpression(expression).node);
  const add = (entry: Entry): number => entries.push(entry) - 1;
  const where = (segment: Segment) => lines.at(segment.start);
  const emitText = (segment: Extract<Segment, { kind: "text" }>, last: boolean) => {
    let piece = text.slice(segment.start, segment.end);
    plain?.push(piece);
    let line = lines.at(segment.start).line;
    for (let i = piece.indexOf("\n"); i >= 0; i = piece.indexOf("\n", i + 1)) lineMap.push(++line);
    if (segment.raw) piece = piece.replaceAll("{{", "\\{{");
    // A backslash right before a mustache would escape it in Handlebars; double it.
    if (!last && piece.endsWith("\\")) piece += "\\";
    out += piece;
  };
  const expectOpen = (segment: Extract<Segment, { kind: "block" }>, keyword: "if" | "for") => {
    const top = stack[stack.length - 1];
    if (top?.keyword !== keyword) {
      const expected = top ? `{% end${top.keyword} %}` : "no closing tag";
      throw templateError(
        `unexpected '{% ${segment.keyword} %}' (expected ${expected})`,
        text,
        segment.start,
      );
    }
    return top;
  };

  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    switch (segment.kind) {
      case "text":
        emitText(segment, last);
        return;
      case "native":
        plain = undefined;
        out += text.slice(segment.start, segment.end);
        for (const ch of text.slice(segment.start, segment.end))
          if (ch === "\n") lineMap.push(lineMap[lineMap.length - 1]! + 1);
        return;
      case "comment":
        jinjaTags = true;
        return;
      case "expr": {
        const n = add({ kind: "expr", node: segment.node, source: text, ...where(segment) });
        out += `{{__expr ${n}}}`;
        plain?.push(n);
        return;
      }
    }
    jinjaTags = true;
    const { keyword, rest } = segment;
    if (keyword !== "raw" && keyword !== "endraw") plain = undefined;
    switch (keyword) {
      case "if":
        stack.push({ keyword: "if", seenElse: false, at: segment.start });
        out += `{{#if (__cond ${add({ kind: "cond", node: parse(rest, segment), source: rest, ...where(segment) })})}}`;
        return;
      case "elif": {
        const top = expectOpen(segment, "if");
        if (top.seenElse) throw templateError("'{% elif %}' after '{% else %}'", text, segment.start);
        out += `{{else if (__cond ${add({ kind: "cond", node: parse(rest, segment), source: rest, ...where(segment) })})}}`;
        return;
      }
      case "else": {
        const top = stack[stack.length - 1];
        if (!top || top.seenElse) throw templateError("unexpected '{% else %}'", text, segment.start);
        top.seenElse = true;
        out += "{{else}}";
        return;
      }
      case "endif":
        expectOpen(segment, "if");
        stack.pop();
        out += "{{/if}}";
        return;
      case "for": {
        const head = FOR_HEAD.exec(rest);
        if (!head)
          throw templateError(
            `cannot read '{% for ${rest} %}'`,
            text,
            segment.start,
            "write {% for x in list %}",
          );
        const targets = head[1]!.split(",").map((t) => t.trim());
        const { iterable, filter } = attempt(segment, () => parseForIterable(head[2]!));
        stack.push({ keyword: "for", seenElse: false, at: segment.start });
        const entry = add({
          kind: "for",
          targets,
          node: iterable,
          filter,
          source: head[2]!,
          ...where(segment),
        });
        out += `{{#__for ${entry}}}`;
        return;
      }
      case "endfor":
        expectOpen(segment, "for");
        stack.pop();
        out += "{{/__for}}";
        return;
      case "set": {
        const head = SET_HEAD.exec(rest);
        if (!head)
          throw templateError(
            `cannot read '{% set ${rest} %}'`,
            text,
            segment.start,
            "write {% set name = value %}",
          );
        out += `{{__set ${add({ kind: "set", name: head[1]!, node: parse(head[2]!, segment), source: head[2]!, ...where(segment) })}}}`;
        return;
      }
      case "raw":
      case "endraw":
        return;
      default:
        throw templateError(`unsupported tag '{% ${keyword} %}'`, text, segment.start, UNSUPPORTED_HINT);
    }
  });
  const open = stack[stack.length - 1];
  if (open)
    throw templateError(
      `'{% ${open.keyword} %}' is never closed with '{% end${open.keyword} %}'`,
      text,
      open.at,
    );
  return { source: out, entries, lineMap, jinjaTags, plain };
}
