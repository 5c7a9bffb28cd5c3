import { isTsibleError } from "../../errors.js";
import type { ModuleResult } from "../types.js";

/** A module failing the task the way Ansible's `fail_json` does: a message and extra result keys. */
export class ModuleFailure extends Error {
  constructor(
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ModuleFailure";
  }
}

/**
 * Runs a module body, turning the failures a module expects (ModuleFailure, module-kind
 * TsibleErrors, file system errors from the host) into a failed result, as Ansible reports them.
 * Anything else is a bug or a lost connection, and propagates.
 */
export async function guarded(body: () => Promise<ModuleResult>): Promise<ModuleResult> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ModuleFailure) return { changed: false, ...err.extra, failed: true, msg: err.message };
    if (isTsibleError(err) && err.kind === "module")
      return { changed: false, failed: true, msg: err.hint ? `${err.message} (${err.hint})` : err.message };
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code))
      return { changed: false, failed: true, msg: (err as Error).message };
    throw err;
  }
}
