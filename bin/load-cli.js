/**
 * Loads the CLI: dist/tsible.cjs (scripts/bundle.mjs) through V8's code cache kept beside it, or
 * dist/cli/process.js when the build made no bundle. The cache saves compiling the bundle at every
 * start; V8 refuses one made by another Node or with other flags, and then this run compiles as
 * usual and leaves a fresh cache for the next. TSIBLE_STORE_CODE_CACHE=1 stores it at exit even
 * when V8 took it, adding what this run compiled (the build's warm-up runs use it).
 *
 * V8 checks only the source's length, so a cache from another build of the same length would be
 * taken and run stale code: the cache starts with the build id of the bundle it was made for.
 */

const { existsSync, readFileSync, renameSync, rmSync, writeFileSync } = require("node:fs");
const { createRequire, Module } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const DIST = join(__dirname, "..", "dist");

/** The CLI's exports; a promise of them when there is no bundle (ES modules load asynchronously). */
function loadCli() {
  const bundle = join(DIST, "tsible.cjs");
  if (!existsSync(bundle)) return import("../dist/cli/process.js");
  const cacheFile = `${bundle}.cache`;
  // the build makes the bundle ASCII only: latin1 is the cheapest way to read it, and the same text
  const source = readFileSync(bundle, "latin1");
  const stamp = Buffer.from(`${BUILD_ID.exec(source)?.[1] ?? "unstamped"}\n`);
  const cachedData = cacheFor(readOptional(cacheFile), stamp);
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  const store = !cachedData || script.cachedDataRejected || process.env.TSIBLE_STORE_CODE_CACHE === "1";
  if (store) process.once("exit", () => storeCache(script, stamp, cacheFile));
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, DIST);
  return loaded.exports;
}

/** The first line of the bundle (scripts/bundle.mjs): a new random id at every build. */
const BUILD_ID = /^\/\/ tsible build ([\w-]+)\n/;

/** The V8 data of a cache made for this build, or undefined. */
function cacheFor(file, stamp) {
  if (!file || file.length <= stamp.length || !file.subarray(0, stamp.length).equals(stamp)) return undefined;
  return file.subarray(stamp.length);
}

function readOptional(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** At exit the cache holds every function this run compiled. Atomic: runs may end together. */
function storeCache(script, stamp, cacheFile) {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([stamp, script.createCachedData()]), { mode: 0o644 });
    renameSync(temp, cacheFile);
  } catch {
    rmSync(temp, { force: true }); // a read-only install: every start compiles, nothing breaks
  }
}

module.exports = { loadCli };
