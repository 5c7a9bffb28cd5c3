/**
 * `npm run build` bundles the CLI into dist/tsible.cjs and stores V8's code cache beside it
 * (scripts/bundle.mjs, bin/load-cli.js). These tests run a copy of bin/ and the bundle: the
 * cache the build made is used as it is, a bad or missing one never changes what tsible does and
 * is replaced, and a read-only install still runs.
 */

import { randomUUID } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runProcess } from "../helpers/cli.js";
import { mountTmpfs, type Tmpfs, tmpfsSkipReason } from "../helpers/disk.js";

const BUNDLE_FILES = ["tsible.cjs", "tsible.cjs.cache"];
let install: string;

/** A copy of what an installed tsible runs from, sharing this tree's node_modules. */
function copyInstall(dir: string): void {
  mkdirSync(join(dir, "dist"), { recursive: true });
  cpSync(join(ROOT, "bin"), join(dir, "bin"), { recursive: true });
  for (const f of BUNDLE_FILES) copyFileSync(join(ROOT, "dist", f), join(dir, "dist", f));
  copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
}

function run(dir: string, args: string[]) {
  return runProcess(process.execPath, [join(dir, "bin/tsible.js"), ...args], {
    env: { TSIBLE_LOCK_DIR: join(dir, "lock") },
  });
}

const cacheOf = (dir: string) => join(dir, "dist/tsible.cjs.cache");
/** Which file is there: a replaced file has another inode. */
const identity = (file: string) => {
  const s = statSync(file);
  return { ino: s.ino, mtimeMs: s.mtimeMs, size: s.size };
};
const syntaxCheck = ["run", join(ROOT, "playbooks/site.yml"), "--syntax-check"];

beforeAll(() => {
  for (const f of BUNDLE_FILES) {
    if (!existsSync(join(ROOT, "dist", f))) throw new Error(`dist/${f} is missing: run npm run build`);
  }
  install = join(tmpdir(), `tsible-code-cache-${process.pid}`);
  copyInstall(install);
});

afterAll(() => rmSync(install, { recursive: true, force: true }));

describe("the bundled CLI and its code cache", () => {
  it("uses the cache the build stored, as it is", async () => {
    const before = identity(cacheOf(install));
    const res = await run(install, syntaxCheck);
    expect(res.stderr).toBe("");
    expect(res.stdout).toContain("playbook: ");
    expect(res.code).toBe(0);
    // V8 accepted it: a refused cache is replaced (a new file renamed over it) at exit
    expect(identity(cacheOf(install))).toEqual(before);
  });

  it("runs as usual with a damaged cache, and replaces it", async () => {
    writeFileSync(cacheOf(install), "not a code cache");
    const res = await run(install, syntaxCheck);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("playbook: ");
    const replaced = readFileSync(cacheOf(install));
    expect(replaced.toString()).not.toBe("not a code cache");
    expect(replaced.length).toBeGreaterThan(10_000);
    expect(readdirSync(join(install, "dist")).sort()).toEqual(BUNDLE_FILES); // no temp file left

    const kept = identity(cacheOf(install));
    const again = await run(install, syntaxCheck);
    expect(again.code).toBe(0);
    expect(identity(cacheOf(install))).toEqual(kept); // accepted this time
  });

  it("does not use a cache made for another build, even one of the same length", async () => {
    const bundle = join(install, "dist/tsible.cjs");
    const source = readFileSync(bundle, "utf8");
    const id = /^\/\/ tsible build ([\w-]+)\n/.exec(source)?.[1];
    expect(id, "the bundle's first line names its build").toBeDefined();
    const other = randomUUID();
    writeFileSync(bundle, source.replace(id!, other)); // V8 alone would take the old cache: same length
    const before = identity(cacheOf(install));
    const res = await run(install, syntaxCheck);
    expect(res.code).toBe(0);
    expect(identity(cacheOf(install)).ino).not.toBe(before.ino);
    expect(
      readFileSync(cacheOf(install))
        .subarray(0, other.length + 1)
        .toString(),
    ).toBe(`${other}\n`);
    const kept = identity(cacheOf(install));
    expect((await run(install, syntaxCheck)).code).toBe(0);
    expect(identity(cacheOf(install))).toEqual(kept); // the new one fits this build
  });

  it("adds to an accepted cache when asked (TSIBLE_STORE_CODE_CACHE=1, the build's warm-up)", async () => {
    const before = identity(cacheOf(install));
    const res = await runProcess(process.execPath, [join(install, "bin/tsible.js"), ...syntaxCheck], {
      env: { TSIBLE_STORE_CODE_CACHE: "1" },
    });
    expect(res.code).toBe(0);
    const stored = identity(cacheOf(install));
    expect(stored.ino).not.toBe(before.ino);
    expect((await run(install, syntaxCheck)).code).toBe(0);
    expect(identity(cacheOf(install))).toEqual(stored); // the stored one is accepted
  });

  it("runs without a cache, and stores one", async () => {
    rmSync(cacheOf(install));
    const res = await run(install, ["--version"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^tsible \d+\.\d+\.\d+/);
    expect(statSync(cacheOf(install)).size).toBeGreaterThan(10_000);
  });

  it("reports errors from inside the bundle as before", async () => {
    const res = await run(install, ["run", join(install, "missing.yml")]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`cannot read ${join(install, "missing.yml")}`);
  });
});

describe("a read-only install", () => {
  const skip = tmpfsSkipReason();
  let mount: Tmpfs;
  beforeAll(() => {
    if (skip) return;
    mount = mountTmpfs(join(tmpdir(), `tsible-code-cache-ro-${process.pid}`), { sizeKiB: 16 * 1024 });
    copyInstall(mount.dir);
  });
  afterAll(() => {
    if (skip) return;
    mount.unmount();
    rmSync(mount.dir, { recursive: true, force: true });
  });

  it.skipIf(skip)("runs with a cache it cannot replace, and leaves the install untouched", async () => {
    writeFileSync(cacheOf(mount.dir), "stale");
    mount.remount("ro");
    const res = await run(mount.dir, syntaxCheck);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(readFileSync(cacheOf(mount.dir), "utf8")).toBe("stale");
    expect(readdirSync(join(mount.dir, "dist")).sort()).toEqual(BUNDLE_FILES);
  });
});
