/**
 * Loads the CLI: dist/tsible.cjs (scripts/bundle.mjs) through V8's code cache kept beside it, or
 * dist/cli/process.js when the build made no bundle. The cache saves compiling the bundle at every
 * start; V8 refuses one made by another Node or with other flags, and then this run compiles as
 * usual and leaves a fresh cache for the next. TSIBLE_STORE_CODE_CACHE=1 stores it at exit even
 * when V8 took it, adding what this run compiled (the build's warm-up runs use it).
 */

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");

export async function loadCli() {
  const bundle = join(DIST, "tsible.cjs");
  if (!existsSync(bundle)) return import("../dist/cli/process.js");
  const cacheFile = `${bundle}.cache`;
  const cachedData = readOptional(cacheFile);
  const script = new Script(Module.wrap(readFileSync(bundle, "utf8")), { filename: bundle, cachedData });
  const store = !cachedData || script.cachedDataRejected || process.env.TSIBLE_STORE_CODE_CACHE === "1";
  if (store) process.once("exit", () => storeCache(script, cacheFile));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, DIST);
  return module.exports;
}

function readOptional(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** At exit the cache holds every function this run compiled. Atomic: runs may end together. */
function storeCache(script, cacheFile) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData(), { mode: 0o644 });
    renameSync(temp, cacheFile);
  } catch {
    rmSync(temp, { force: true }); // a read-only install: every start compiles, nothing breaks
  }
}
