import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { CheckOverlay } from "../../src/connection/check-overlay.js";
import { createHostFiles } from "../../src/connection/host-files.js";
import { LocalConnection } from "../../src/connection/local.js";
import type { Connection, ExecOptions } from "../../src/connection/types.js";
import { TsibleError } from "../../src/errors.js";
import { validateWithSchema } from "../../src/load/schemas.js";
import type { AnyModule, ModuleContext, ModuleResult } from "../../src/modules/types.js";

export interface ModuleContextOptions {
  host?: string;
  check?: boolean;
  diff?: boolean;
  verbosity?: number;
  /** Share one overlay between calls to play a check run of several tasks on one host. */
  overlay?: CheckOverlay;
  /** Defaults to a LocalConnection. */
  conn?: Connection;
  /** Variables for the default `evaluate` stand-in (a name looks up a variable, nothing more). */
  vars?: Record<string, unknown>;
  evaluate?: (expression: string) => unknown;
  condition?: (expression: string | boolean) => boolean;
  /** Folder holding `files/` and `templates/` for `findLocal`. */
  localDir?: string;
  /** Defaults to the file's text with `{{ name }}` replaced from `vars`. */
  renderTemplate?: (localPath: string) => string;
}

/** A ModuleContext plus what the module reported on the side. */
export interface TestModuleContext extends ModuleContext {
  readonly overlay: CheckOverlay;
  readonly secrets: string[];
  readonly progressLines: string[];
}

/**
 * A real ModuleContext around a real connection (local by default) and the real check-mode file
 * view; only the expression language is a stand-in, supplied by the caller until the engine's is used.
 */
export function makeModuleContext(opts: ModuleContextOptions = {}): TestModuleContext {
  const conn = opts.conn ?? new LocalConnection(opts.host ?? "localhost");
  const overlay = opts.overlay ?? new CheckOverlay();
  const check = opts.check ?? false;
  const vars = opts.vars ?? {};
  const exec = (command: string, execOpts: Omit<ExecOptions, "become"> = {}) => conn.exec(command, execOpts);
  const files = createHostFiles({ transport: conn.files, exec, check, overlay });
  const lookup = (expression: string): unknown => {
    const name = expression.trim();
    if (!(name in vars)) throw new TsibleError(`'${name}' is undefined`, { kind: "undefined" });
    return vars[name];
  };
  const secrets: string[] = [];
  const progressLines: string[] = [];
  return {
    host: opts.host ?? "localhost",
    conn,
    files,
    overlay,
    check,
    diff: opts.diff ?? false,
    verbosity: opts.verbosity ?? 0,
    become: undefined,
    signal: new AbortController().signal,
    location: undefined,
    exec,
    evaluate: opts.evaluate ?? lookup,
    condition:
      opts.condition ??
      ((expression) => {
        if (typeof expression === "boolean") return expression;
        return Boolean(lookup(expression));
      }),
    findLocal: (kind, path) => findLocal(opts.localDir, kind, path),
    renderTemplate:
      opts.renderTemplate ??
      ((localPath) =>
        readFileSync(localPath, "utf8").replace(/\{\{\s*(\w+)\s*\}\}/g, (_all, name: string) =>
          String(lookup(name)),
        )),
    addSecret: (value) => secrets.push(value),
    progress: (message) => progressLines.push(message),
    secrets,
    progressLines,
  };
}

function findLocal(dir: string | undefined, kind: string, path: string): string {
  if (isAbsolute(path)) return path;
  const candidates = dir ? [join(dir, kind, path), join(dir, path)] : [];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new TsibleError(`could not find '${path}'`, { kind: "module" });
  return found;
}

/** Validates the arguments against the module's schema, as the engine does, then runs it. */
export async function runModule(
  module: AnyModule,
  args: Record<string, unknown>,
  ctx: ModuleContext,
): Promise<ModuleResult> {
  validateWithSchema(module.schema, args, `module ${module.name}`);
  return module.run(ctx, args);
}
