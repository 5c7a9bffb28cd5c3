import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import { type SourceLocation, TsibleError } from "../../errors.js";
import { strict } from "../expr/context.js";
import { evaluateNode } from "../expr/evaluator.js";
import { isMapping, mappingKeys, pyStr, truthy, typeName } from "../expr/values.js";
import type { VarScope } from "../scope.js";
import { contextFor, Frame, scopeForContext } from "./frames.js";
import { PUBLIC_HELPERS } from "./helpers.js";
import { type Entry, type Translation, translate } from "./translate.js";

/**
 * Handlebars is loaded on the first template rendered, not at start-up: most runs and every
 * --syntax-check never render one, and loading it costs about 100 ms.
 */
let instance: typeof Handlebars | undefined;
function hbs(): typeof Handlebars {
  instance ??= (createRequire(import.meta.url)("handlebars") as typeof Handlebars).create();
  return instance;
}
const INTERNAL = ["__expr", "__cond", "__for", "__set"] as const;
const KNOWN_HELPERS = Object.fromEntries(
  [...INTERNAL, ...Object.keys(PUBLIC_HELPERS), "if", "unless", "each", "with", "lookup", "log"].map(
    (name) => [name, true],
  ),
);

interface Compiled extends Translation {
  /** Undefined for a plain template: it renders without Handlebars (see Translation.plain). */
  render: Handlebars.TemplateDelegate | undefined;
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 500;

/** Where a Handlebars error points in the original text. */
function handlebarsLine(err: unknown, lineMap: number[]): number | undefined {
  const e = err as { lineNumber?: number; message?: string };
  const generated = e.lineNumber ?? Number(/line (\d+)/.exec(e.message ?? "")?.[1] ?? Number.NaN);
  if (!Number.isFinite(generated)) return undefined;
  return lineMap[generated] ?? generated;
}

function compile(text: string): Compiled {
  const cached = cache.get(text);
  if (cached) return cached;
  const translation = translate(text);
  let render: Handlebars.TemplateDelegate | undefined;
  if (!translation.plain)
    try {
      const ast = hbs().parse(translation.source, { ignoreStandalone: translation.jinjaTags });
      render = hbs().compile(ast, {
        noEscape: true,
        strict: true,
        knownHelpers: KNOWN_HELPERS,
        ignoreStandalone: translation.jinjaTags,
      });
    } catch (err) {
      const line = handlebarsLine(err, translation.lineMap) ?? 1;
      const message = (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
      throw new TsibleError(`template syntax error: ${message}`, {
        kind: "template",
        location: { file: "", line, col: 1 },
      });
    }
  const compiled = { ...translation, render };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, compiled);
  return compiled;
}

/** Items a `{% for %}` walks: list items, dict keys, string characters (as in Python). */
function iterable(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isMapping(value)) return mappingKeys(value);
  if (typeof value === "string") return [...value];
  throw new TypeError(`cannot loop over ${typeName(value)}`);
}

function loopVariable(index: number, length: number, items: unknown[]): Record<string, unknown> {
  return {
    index: index + 1,
    index0: index,
    revindex: length - index,
    revindex0: length - index - 1,
    first: index === 0,
    last: index === length - 1,
    length,
    previtem: index > 0 ? items[index - 1] : null,
    nextitem: index < length - 1 ? items[index + 1] : null,
  };
}

/** `{% for x in ... %}` binds x; `{% for k, v in ... %}` unpacks pairs. */
function bindTargets(frame: Frame, targets: string[], item: unknown): void {
  if (targets.length === 1) {
    frame.set(targets[0]!, item);
    return;
  }
  const parts = Array.isArray(item) ? item : undefined;
  if (parts?.length !== targets.length) {
    throw new TypeError(`cannot unpack ${pyStr(item)} into ${targets.join(", ")}`);
  }
  for (const [t, target] of targets.entries()) frame.set(target, parts[t]);
}

type HelperOptions = Handlebars.HelperOptions & { data?: Record<string, unknown> };

/** The helpers that evaluate the Jinja parts, bound to one render (its entries, root frame, file). */
function internalHelpers(compiled: Compiled, root: Frame, file: string) {
  const run = <T>(index: unknown, context: unknown, use: (entry: Entry, scope: Frame) => T): T => {
    const entry = compiled.entries[Number(index)]!;
    const where: SourceLocation = { file, line: entry.line, col: entry.col };
    try {
      return use(entry, scopeForContext(context, root));
    } catch (err) {
      // Errors from a nested block already say where they come from.
      if (err instanceof TsibleError && err.kind === "template") throw err;
      const located =
        err instanceof TsibleError ? err : new TsibleError(String((err as Error)?.message ?? err));
      throw new TsibleError(located.message, {
        kind: "template",
        location: where,
        cause: err,
        ...(located.hint ? { hint: located.hint } : {}),
      });
    }
  };
  const value = (entry: Entry, scope: Frame) => strict(evaluateNode(entry.node, entry.source, scope));
  return {
    __expr(this: unknown, index: unknown) {
      return run(index, this, (entry, scope) => pyStr(value(entry, scope)));
    },
    __cond(this: unknown, index: unknown) {
      return run(index, this, (entry, scope) => truthy(value(entry, scope)));
    },
    __set(this: unknown, index: unknown) {
      return run(index, this, (entry, scope) => {
        if (entry.kind === "set") scope.set(entry.name, value(entry, scope));
        return "";
      });
    },
    __for(this: unknown, index: unknown, options: HelperOptions) {
      return run(index, this, (entry, scope) => {
        if (entry.kind !== "for") return "";
        const items = iterable(value(entry, scope)).filter((item) => {
          if (!entry.filter) return true;
          const frame = new Frame(scope);
          bindTargets(frame, entry.targets, item);
          return truthy(strict(evaluateNode(entry.filter, entry.source, frame)));
        });
        if (items.length === 0) return options.inverse(this);
        return items
          .map((item, i) => {
            const frame = new Frame(scope);
            frame.set("loop", loopVariable(i, items.length, items));
            bindTargets(frame, entry.targets, item);
            const data = hbs().createFrame(options.data ?? {});
            Object.assign(data, { index: i, first: i === 0, last: i === items.length - 1 });
            return options.fn(contextFor(frame), { data });
          })
          .join("");
      });
    },
  };
}

/** Turns a Handlebars runtime error (a strict-mode miss, a helper's failure) into a TsibleError. */
function runtimeError(err: unknown, compiled: Compiled, file: string): TsibleError {
  if (err instanceof TsibleError) {
    return err.location?.file === file
      ? err
      : new TsibleError(err.message, { kind: "template", location: { file, line: 1, col: 1 }, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const missing = /^"([^"]+)" not defined/.exec(message);
  const line = handlebarsLine(err, compiled.lineMap) ?? 1;
  return new TsibleError(missing ? `'${missing[1]}' is undefined` : message.replace(/ - \d+:\d+$/, ""), {
    kind: "template",
    location: { file, line, col: 1 },
    cause: err,
  });
}

function render(file: string, text: string, scope: VarScope): string {
  let compiled: Compiled;
  try {
    compiled = compile(text);
  } catch (err) {
    if (err instanceof TsibleError && err.location) {
      throw new TsibleError(err.message, {
        kind: "template",
        location: { ...err.location, file },
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
    throw err;
  }
  const root = new Frame(scope);
  try {
    // text and expressions only: the same helper Handlebars would call, without loading it (~100 ms)
    if (!compiled.render) {
      const context = contextFor(root);
      const { __expr } = internalHelpers(compiled, root, file);
      return (compiled.plain ?? [])
        .map((part) => (typeof part === "string" ? part : __expr.call(context, part)))
        .join("");
    }
    return compiled.render(contextFor(root), {
      helpers: { ...PUBLIC_HELPERS, ...internalHelpers(compiled, root, file) },
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  } catch (err) {
    throw runtimeError(err, compiled, file);
  }
}

/**
 * Renders a template file (the `template` module): Handlebars without HTML escaping, in strict
 * mode, plus Jinja as Ansible uses it: `{{ expr | filter }}`, `{% if %}`, `{% for %}`, `{% set %}`,
 * `{# #}` and whitespace control with trim_blocks. Errors are TsibleErrors of kind "template" with
 * the template's path, line and column. Compiled templates are cached by their text.
 */
export function renderTemplateFile(path: string, source: string, scope: VarScope): string {
  return render(path, source, scope);
}

/**
 * Renders template syntax found in a YAML value (`{% if %}` in a string); errors point at the
 * value's position in the YAML file.
 */
export function renderTemplateText(text: string, scope: VarScope, where: SourceLocation): string {
  try {
    return render(where.file, text, scope);
  } catch (err) {
    if (!(err instanceof TsibleError)) throw err;
    const cause = err.cause instanceof TsibleError ? err.cause : err;
    throw new TsibleError(err.message, {
      kind: cause.kind === "template" ? "expression" : cause.kind,
      location: where,
      ...(err.hint ? { hint: err.hint } : {}),
    });
  }
}
