import type { SourceLocation } from "../errors.js";
import { copyLocations, locationOf } from "../load/locations.js";
import { TaggedText } from "../load/tagged.js";
import type { Node } from "./expr/ast.js";
import { asTsibleError, strict } from "./expr/context.js";
import { evaluateNode } from "./expr/evaluator.js";
import { parseTemplateExpression } from "./expr/parser.js";
import { dictSet, isDict, pyStr } from "./expr/values.js";
import type { VarScope } from "./scope.js";
import { renderTemplateText } from "./template/render-file.js";
import { applyWhitespaceControl, scanTemplate } from "./template/scan.js";

/** True when text contains Jinja syntax (`{{`, `{%` or `{#`) and so needs rendering. */
export function isTemplated(text: string): boolean {
  return text.includes("{{") || text.includes("{%") || text.includes("{#");
}

type Piece = { text: string } | { node: Node };

const cache = new Map<string, Piece[]>();
const CACHE_LIMIT = 5000;

/** Splits `a {{ x }} b` into literal text and parsed expressions (with `{{- -}}` trimming); cached. */
function splitTemplate(text: string): Piece[] {
  let pieces = cache.get(text);
  if (!pieces) {
    pieces = scan(text);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, pieces);
  }
  return pieces;
}

function scan(text: string): Piece[] {
  const segments = scanTemplate(text);
  applyWhitespaceControl(text, segments);
  return segments.map((segment) => {
    if (segment.kind === "text") return { text: text.slice(segment.start, segment.end) };
    if (segment.kind === "expr") return { node: segment.node };
    // Handlebars syntax has no meaning in a YAML value: report why it is not an expression.
    return { node: parseTemplateExpression(text, segment.start + 2).node };
  });
}

/**
 * Renders one string. A string that is exactly one `{{ expr }}` (whitespace around it allowed)
 * keeps the expression's type, so `loop: "{{ dirs }}"` is a list; when that value is a string, the
 * surrounding whitespace is kept. Anything else is joined as text, each value printed as Python's
 * `str()` would (`True`, `None`, `['a', 'b']`, `{'k': 1}`), which is what Ansible writes.
 */
export function renderString(text: string, scope: VarScope, where?: SourceLocation): unknown {
  if (!isTemplated(text)) return text;
  if (text.includes("{%") || text.includes("{#")) {
    return renderTemplateText(text, scope, where ?? { file: "<string>", line: 1, col: 1 });
  }
  let pieces: Piece[];
  try {
    pieces = splitTemplate(text);
  } catch (err) {
    throw asTsibleError(err, { source: text, where });
  }
  const evaluate = (node: Node): unknown => {
    const value = evaluateNode(node, text, scope, where);
    try {
      return strict(value);
    } catch (err) {
      throw asTsibleError(err, { source: text, where });
    }
  };
  const values = pieces.map((piece) => ("node" in piece ? { value: evaluate(piece.node) } : piece));
  const expressions = values.filter((piece) => "value" in piece);
  const onlySpaceAround = values.every((piece) => "value" in piece || piece.text.trim() === "");
  if (expressions.length === 1 && onlySpaceAround) {
    const { value } = expressions[0]!;
    if (typeof value !== "string" || values.length === 1) return value;
  }
  return values.map((piece) => ("value" in piece ? pyStr(piece.value) : piece.text)).join("");
}

/**
 * Renders `{{ }}` in a loaded YAML value, recursively through lists and maps (keys too). `!unsafe`
 * text is returned as plain text without rendering. Each string's errors point at its own
 * source position when the loader recorded one, else at `where`.
 */
export function renderValue(value: unknown, scope: VarScope, where?: SourceLocation): unknown {
  if (typeof value === "string") return renderString(value, scope, where);
  if (value instanceof TaggedText) return value.tag === "unsafe" ? value.text : value;
  if (Array.isArray(value)) {
    const out = value.map((item, i) => renderValue(item, scope, locationOf(value, i) ?? where));
    copyLocations(value, out);
    return out;
  }
  if (isDict(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const at = locationOf(value, key) ?? where;
      const renderedKey = isTemplated(key) ? pyStr(renderString(key, scope, at)) : key;
      dictSet(out, renderedKey, renderValue(item, scope, at));
    }
    copyLocations(value, out);
    return out;
  }
  return value;
}
