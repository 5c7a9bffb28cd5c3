import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect } from "vitest";
import type { CheckOverlay } from "../../../src/connection/check-overlay.js";
import type { AnyModule, ModuleResult } from "../../../src/modules/types.js";
import { type ModuleContextOptions, makeModuleContext, runModule } from "../../helpers/module-context.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsible-core-"));
  made.push(dir);
  return dir;
}

/** Every path below `dir` with its type, mode, and content or link target: what a run changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (path: string, rel: string) => {
    const st = lstatSync(path);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(path)}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${mode}`;
      for (const name of readdirSync(path).sort()) visit(join(path, name), `${rel}/${name}`);
    } else out[rel] = `file ${mode} ${readFileSync(path).toString("base64")} mtime=${st.mtimeMs}`;
  };
  visit(dir, ".");
  return out;
}

export function run(
  module: AnyModule,
  args: Record<string, unknown>,
  opts: ModuleContextOptions = {},
): Promise<ModuleResult> {
  return runModule(module, args, makeModuleContext(opts));
}

/**
 * The check-mode contract: a check run touches nothing under `dir` and predicts `changed`; the real
 * run then changes exactly that; a second real run changes nothing. Returns the three results.
 */
export async function checkThenApply(
  module: AnyModule,
  args: Record<string, unknown>,
  dir: string,
  opts: ModuleContextOptions & { overlay?: CheckOverlay } = {},
): Promise<{ check: ModuleResult; first: ModuleResult; second: ModuleResult }> {
  const before = snapshot(dir);
  const check = await run(module, args, { ...opts, check: true });
  expect(snapshot(dir)).toEqual(before);
  const { overlay: _ignored, ...real } = opts;
  const first = await run(module, args, real);
  expect(first.failed, String(first.msg)).toBeFalsy();
  expect(first.changed).toBe(check.changed);
  const second = await run(module, args, real);
  expect(second.failed, String(second.msg)).toBeFalsy();
  if (module.name !== "file" || args.state !== "touch") expect(second.changed).toBe(false);
  return { check, first, second };
}
