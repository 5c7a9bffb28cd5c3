import { Ajv } from "ajv";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { createHostFiles } from "../../../src/connection/host-files.js";
import { LocalConnection } from "../../../src/connection/local.js";
import type { ExecOptions } from "../../../src/connection/types.js";
import type { AnyModule, ModuleContext, ModuleResult } from "../../../src/modules/types.js";

/** What a test's module context recorded: the secrets it was told about and its progress lines. */
export interface ContextLog {
  secrets: string[];
  progress: string[];
  commands: string[];
}

/** One connection for the whole test file, as a run opens one per host and reuses it. */
const conn = new LocalConnection("localhost");

/** A ModuleContext on the local machine: the smallest engine a deployment module needs. */
export function localContext(opts: { check?: boolean; diff?: boolean } = {}): {
  ctx: ModuleContext;
  log: ContextLog;
} {
  const log: ContextLog = { secrets: [], progress: [], commands: [] };
  const unsupported = (what: string) => () => {
    throw new Error(`${what} is not available in the deployment-module tests`);
  };
  const check = opts.check ?? false;
  const exec = (command: string, execOpts?: Omit<ExecOptions, "become">) => {
    log.commands.push(command);
    return conn.exec(command, execOpts);
  };
  const ctx: ModuleContext = {
    host: "localhost",
    conn,
    // the real check-mode file view, over an overlay of its own: nothing written by earlier tasks
    files: createHostFiles({ transport: conn.files, exec, check, overlay: new CheckOverlay() }),
    check,
    diff: opts.diff ?? false,
    become: undefined,
    signal: new AbortController().signal,
    location: undefined,
    exec,
    evaluate: unsupported("evaluate"),
    condition: unsupported("condition"),
    findLocal: unsupported("findLocal"),
    renderTemplate: unsupported("renderTemplate"),
    addSecret(value: string) {
      log.secrets.push(value);
    },
    progress(message: string) {
      log.progress.push(message);
    },
  };
  return { ctx, log };
}

/** Runs a module with a fresh local context. */
export async function runModule<A>(
  mod: AnyModule,
  args: A,
  opts: { check?: boolean; diff?: boolean } = {},
): Promise<ModuleResult & { log: ContextLog }> {
  assertValidArgs(mod, args);
  const { ctx, log } = localContext(opts);
  const result = await mod.run(ctx, args);
  return { ...result, log };
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Checks `args` against the module's schema, as the engine does before `run`. */
export function assertValidArgs(mod: AnyModule, args: unknown): void {
  const validate = ajv.compile(mod.schema);
  if (!validate(args)) throw new Error(`invalid ${mod.name} arguments: ${ajv.errorsText(validate.errors)}`);
}
