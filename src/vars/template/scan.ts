import { TsibleError } from "../../errors.js";
import type { Node } from "../expr/ast.js";
import { parseTemplateExpression } from "../expr/parser.js";

/** A piece of template text, by offsets into the original so errors can name the line. */
export type Segment =
  | { kind: "text"; start: number; end: number; raw?: boolean }
  /** `{{ expr }}` in Jinja syntax. */
  | { kind: "expr"; node: Node; start: number; end: number; stripBefore: boolean; stripAfter: boolean }
  /** A mustache in Handlebars syntax (`{{#each xs}}`, `{{json x}}`, `{{@index}}`), kept as written. */
  | { kind: "native"; start: number; end: number }
  /** `{% keyword rest %}`. */
  | {
      kind: "block";
      keyword: string;
      rest: string;
      start: number;
      end: number;
      stripBefore: boolean;
      stripAfter: boolean;
    }
  | { kind: "comment"; start: number; end: number; stripBefore: boolean; stripAfter: boolean };

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

export function templateError(message: string, text: string, offset: number, hint?: string): TsibleError {
  const { line, col } = positionOf(text, offset);
  return new TsibleError(message, {
    kind: "template",
    location: { file: "", line, col },
    ...(hint ? { hint } : {}),
  });
}

/** Handlebars mustaches start with one of these, or are `{{else}}`. */
const NATIVE_START = /^\{\{(?:[#/^!>&{~*]|\s*else[\s}])/;
/** A Handlebars helper call with space-separated arguments: `{{json x}}`, `{{indent 4 text}}`. */
const HELPER_CALL = /^\s*[A-Za-z_@.][\w@./-]*(?:\s|$)/;

/** Finds `close` after `from`, skipping quoted strings; -1 when missing. */
function findClose(text: string, from: number, close: string): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (text.startsWith(close, i)) {
      return i;
    }
  }
  return -1;
}

function nativeEnd(text: string, open: number): number {
  const close = text.startsWith("{{{", open) ? "}}}" : text.startsWith("{{!--", open) ? "--}}" : "}}";
  const at = text.indexOf(close, open + 2);
  if (at < 0) throw templateError("unclosed '{{'", text, open);
  const end = at + close.length;
  return close === "--}}" && text[end] === "}" ? end + 1 : end;
}

function scanMustache(text: string, open: number): Segment {
  if (NATIVE_START.test(text.slice(open, open + 12)))
    return { kind: "native", start: open, end: nativeEnd(text, open) };
  const marker = text[open + 2];
  const stripBefore = marker === "-";
  const from = open + 2 + (marker === "-" || marker === "+" ? 1 : 0);
  try {
    const { node, end, stripAfter } = parseTemplateExpression(text, from);
    return { kind: "expr", node, start: open, end, stripBefore, stripAfter };
  } catch (err) {
    const end = text.indexOf("}}", from);
    if (end >= 0 && HELPER_CALL.test(text.slice(from, end)) && !text.slice(from, end).includes("|")) {
      return { kind: "native", start: open, end: nativeEnd(text, open) };
    }
    const message = err instanceof Error ? err.message : String(err);
    throw templateError(message, text, open);
  }
}

function scanBlock(text: string, open: number): { segment: Segment; next: number } {
  const close = findClose(text, open + 2, "%}");
  if (close < 0) throw templateError("unclosed '{%'", text, open);
  let inner = text.slice(open + 2, close);
  const stripBefore = inner.startsWith("-");
  const stripAfter = inner.endsWith("-");
  inner = inner.replace(/^[-+]/, "").replace(/[-+]$/, "").trim();
  const keyword = /^\w+/.exec(inner)?.[0] ?? "";
  const rest = inner.slice(keyword.length).trim();
  const end = close + 2;
  const segment: Segment = { kind: "block", keyword, rest, start: open, end, stripBefore, stripAfter };
  return { segment, next: end };
}

/** Splits template text into literal text, Jinja expressions, Handlebars mustaches, tags and comments. */
export function scanTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  const pushText = (start: number, end: number, raw = false) => {
    if (end > start) segments.push({ kind: "text", start, end, ...(raw ? { raw } : {}) });
  };
  for (;;) {
    const open = text.slice(at).search(/\{[{%#]/);
    if (open < 0) break;
    const start = at + open;
    pushText(at, start);
    const kind = text[start + 1];
    if (kind === "{") {
      const segment = scanMustache(text, start);
      segments.push(segment);
      at = segment.end;
    } else if (kind === "#") {
      const close = text.indexOf("#}", start + 2);
      if (close < 0) throw templateError("unclosed comment '{#'", text, start);
      const body = text.slice(start + 2, close);
      const comment: Segment = {
        kind: "comment",
        start,
        end: close + 2,
        stripBefore: body.startsWith("-"),
        stripAfter: body.endsWith("-"),
      };
      segments.push(comment);
      at = close + 2;
    } else {
      const { segment, next } = scanBlock(text, start);
      segments.push(segment);
      at = next;
      if (segment.kind === "block" && segment.keyword === "raw") {
        const endRaw = /\{%-?\s*endraw\s*-?%\}/.exec(text.slice(at));
        if (!endRaw) throw templateError("'{% raw %}' without '{% endraw %}'", text, start);
        pushText(at, at + endRaw.index, true);
        const endStart = at + endRaw.index;
        segments.push({
          kind: "block",
          keyword: "endraw",
          rest: "",
          start: endStart,
          end: endStart + endRaw[0].length,
          stripBefore: endRaw[0].startsWith("{%-"),
          stripAfter: endRaw[0].endsWith("-%}"),
        });
        at = endStart + endRaw[0].length;
      }
    }
  }
  pushText(at, text.length);
  return segments;
}

/** Jinja's whitespace rules as Ansible configures them: `-` strips, and (trim_blocks) one newline after a tag goes. */
export function applyWhitespaceControl(text: string, segments: Segment[]): void {
  segments.forEach((segment, i) => {
    if (segment.kind === "text" || segment.kind === "native") return;
    const before = segments[i - 1];
    const after = segments[i + 1];
    if (segment.stripBefore && before?.kind === "text" && !before.raw) {
      while (before.end > before.start && /\s/.test(text[before.end - 1]!)) before.end--;
    }
    if (after?.kind !== "text" || after.raw) return;
    if (segment.stripAfter) {
      while (after.start < after.end && /\s/.test(text[after.start]!)) after.start++;
    } else if (segment.kind !== "expr") {
      if (text.startsWith("\r\n", after.start)) after.start += 2;
      else if (text[after.start] === "\n") after.start++;
    }
  });
}
