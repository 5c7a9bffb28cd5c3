/**
 * The built CLI keeps parsed YAML files between runs (src/load/parse-cache.ts). What a user must
 * be able to trust: an edited file is read as edited, errors point at the same file:line:col as
 * without the cache, no plaintext of a vault file lands in it, the folder is private, and a
 * folder that is not the user's own, or a damaged entry, is not believed.
 */

import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { encryptText } from "../../src/vault/index.js";
import { tsible } from "../helpers/cli.js";
import { dirState, mountTmpfs, tmpfsSkipReason } from "../helpers/disk.js";

const dir = join(tmpdir(), `tsible-parse-cache-${process.pid}`);
const cache = join(dir, "cache");
const play = join(dir, "play.yml");
const PASSWORD = "parse-cache-vault-pass";
const SECRET = "plaintext-Only-In-The-Vault-7731";

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "tasks"), { recursive: true });
  writeFileSync(join(dir, "pass.txt"), `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "secret.yml"), encryptText(`db_password: ${SECRET}\n`, PASSWORD));
  writeFileSync(join(dir, "tasks/more.yml"), "- name: from the task file\n  debug: { msg: more }\n");
  writePlay("first task");
});

function writePlay(firstTask: string): void {
  writeFileSync(
    play,
    `- hosts: localhost
  gather_facts: false
  vars_files: [secret.yml]
  tasks:
    - name: ${firstTask}
      debug: { msg: hi }
    - import_tasks: tasks/more.yml
`,
  );
}

const run = (args: string[], env: Record<string, string> = {}) =>
  tsible(["run", play, "--vault-password-file", join(dir, "pass.txt"), ...args], {
    env: { TSIBLE_CACHE_DIR: cache, ...env },
  });

/** The entries of the build's folder (one folder per build of tsible). */
function entries(): string[] {
  const builds = readdirSync(cache).filter((n) => n.startsWith("parsed-"));
  expect(builds).toHaveLength(1);
  return readdirSync(join(cache, builds[0]!)).map((n) => join(cache, builds[0]!, n));
}

describe("the parse cache", () => {
  it("keeps one private entry per plain YAML file, and none for a vault file", async () => {
    const res = await run(["--list-tasks"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const kept = entries();
    expect(kept).toHaveLength(2); // play.yml and tasks/more.yml; secret.yml is vault-encrypted
    for (const entry of kept) {
      expect(statSync(entry).mode & 0o777).toBe(0o600);
      expect(readFileSync(entry, "utf8")).not.toContain(SECRET);
    }
  });

  it("reads an edited file as edited", async () => {
    expect((await run(["--list-tasks"])).stdout).toContain("first task");
    writePlay("renamed task");
    const res = await run(["--list-tasks"]);
    expect(res.stdout).toContain("renamed task");
    expect(res.stdout).not.toContain("first task");
    expect(entries()).toHaveLength(2); // the edit replaced its entry
  });

  it("points an error in a cached file at the same file:line:col as a fresh parse", async () => {
    writeFileSync(join(dir, "tasks/more.yml"), "- name: typo\n  debgu: { msg: more }\n");
    const fresh = await run(["--syntax-check"], { TSIBLE_NO_CACHE: "1" });
    const first = await run(["--syntax-check"]);
    const cached = await run(["--syntax-check"]);
    expect(fresh.code).toBe(4);
    expect(fresh.stderr).toContain(`${join(dir, "tasks/more.yml")}:2:3`);
    expect(first.stderr).toBe(fresh.stderr);
    expect(cached.stderr).toBe(fresh.stderr);
    expect(entries()).toHaveLength(2);
  });

  it("is not believed when damaged, and is written anew", async () => {
    await run(["--list-tasks"]);
    for (const entry of entries()) writeFileSync(entry, "not a parse\n{", { mode: 0o600 });
    const res = await run(["--list-tasks"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("from the task file");
    for (const entry of entries()) expect(readFileSync(entry, "utf8")).toMatch(/^[0-9a-f]{64}\n\{/);
  });

  // chown needs root: CI runs as root, and there a skip would hide a failure
  const asRoot = process.getuid?.() === 0 || Boolean(process.env.CI);
  it.skipIf(!asRoot)(
    "is not used in a folder others can write to or that is not the user's own",
    async () => {
      mkdirSync(cache, { mode: 0o700 });
      chmodSync(cache, 0o777);
      expect((await run(["--list-tasks"])).code).toBe(0);
      expect(readdirSync(cache)).toEqual([]);
      chmodSync(cache, 0o700);
      chownSync(cache, 65534, 65534);
      expect((await run(["--list-tasks"])).code).toBe(0);
      expect(readdirSync(cache)).toEqual([]);
    },
  );

  const noTmpfs = tmpfsSkipReason();
  it.skipIf(noTmpfs)(
    "on a full disk or a read-only one, leaves nothing behind and the run goes on",
    async () => {
      const mount = mountTmpfs(join(dir, "small"), { sizeKiB: 256 });
      try {
        const env = { TSIBLE_CACHE_DIR: join(mount.dir, "cache") };
        mount.fillBlocks(0);
        const full = await run(["--list-tasks"], env);
        expect(full.stderr).toBe("");
        expect(full.stdout).toContain("from the task file");
        expect(full.code).toBe(0);
        // the folders took no blocks; the entries found no room, and no temp file stayed
        const files = Object.entries(dirState(mount.dir)).filter(([, what]) => !what.startsWith("dir "));
        expect(files).toEqual([]);
        expect(Object.keys(dirState(mount.dir))).toContain("cache"); // it did try
        mount.unfill();
        mount.remount("ro");
        const readOnly = await run(["--list-tasks"], { TSIBLE_CACHE_DIR: join(mount.dir, "elsewhere") });
        expect(readOnly.stderr).toBe("");
        expect(readOnly.code).toBe(0);
      } finally {
        mount.unmount();
      }
    },
  );

  it("is off with TSIBLE_NO_CACHE=1", async () => {
    expect((await run(["--list-tasks"], { TSIBLE_NO_CACHE: "1" })).code).toBe(0);
    expect(() => readdirSync(cache)).toThrow(/ENOENT/);
  });
});
