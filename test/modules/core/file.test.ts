import { chmodSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { fileModule } from "../../../src/modules/file.js";
import { checkThenApply, run, snapshot, tempDir } from "./fixtures.js";

const modeOf = (path: string) => statSync(path).mode & 0o7777;
const umask = process.umask();

describe("file state=directory", () => {
  it("creates every missing level with the mode, predicted by check mode, then stays unchanged", async () => {
    const dir = tempDir();
    const path = join(dir, "a/b/c");
    const { check, first, second } = await checkThenApply(
      fileModule,
      { path, state: "directory", mode: "0750" },
      dir,
    );
    expect(check.changed).toBe(true);
    expect(first).toMatchObject({ changed: true, path, state: "directory", mode: "0750" });
    expect(second.changed).toBe(false);
    for (const p of ["a", "a/b", "a/b/c"]) expect(modeOf(join(dir, p))).toBe(0o750);
  });

  it("reads a YAML 1.1 integer mode (0644 is 420) and symbolic modes against the current mode", async () => {
    const dir = tempDir();
    await run(fileModule, { path: join(dir, "d"), state: "directory", mode: 0o700 });
    expect(modeOf(join(dir, "d"))).toBe(0o700);
    const result = await run(fileModule, { path: join(dir, "d"), state: "directory", mode: "g+rx,o=x" });
    expect(result).toMatchObject({ changed: true, mode: "0751" });
    expect(modeOf(join(dir, "d"))).toBe(0o751);
  });

  it("recurse applies u=rwX,g=rX,o= to files and directories alike, capital X only where it belongs", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "tree/sub"), { recursive: true });
    writeFileSync(join(dir, "tree/sub/plain"), "x");
    writeFileSync(join(dir, "tree/tool"), "x", { mode: 0o744 });
    chmodSync(join(dir, "tree/tool"), 0o744);
    const args = { path: join(dir, "tree"), state: "directory", recurse: true, mode: "u=rwX,g=rX,o=" };
    const { first } = await checkThenApply(fileModule, args, dir);
    expect(first.changed).toBe(true);
    expect(modeOf(join(dir, "tree"))).toBe(0o750);
    expect(modeOf(join(dir, "tree/sub"))).toBe(0o750);
    expect(modeOf(join(dir, "tree/sub/plain"))).toBe(0o640);
    expect(modeOf(join(dir, "tree/tool"))).toBe(0o750);
  });

  it("refuses a path that is a file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "");
    const result = await run(fileModule, { path: join(dir, "f"), state: "directory" });
    expect(result).toMatchObject({ failed: true, msg: `${join(dir, "f")} already exists as a file` });
  });

  it("shows a before/after diff of state and mode", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "d"), { mode: 0o755 });
    chmodSync(join(dir, "d"), 0o755);
    const result = await run(
      fileModule,
      { path: join(dir, "d"), state: "directory", mode: "0700" },
      { diff: true },
    );
    expect(result.diff).toEqual({
      before: `{\n    "mode": "0755",\n    "path": "${join(dir, "d")}"\n}\n`,
      after: `{\n    "mode": "0700",\n    "path": "${join(dir, "d")}"\n}\n`,
    });
    const quiet = await run(fileModule, { path: join(dir, "d"), state: "directory", mode: "0755" });
    expect(quiet.diff).toBeUndefined();
  });
});

describe("file owner and group", () => {
  it("changes owner and group by name, reports names and ids, and is idempotent", async () => {
    if (process.getuid?.() !== 0) return; // chown to another user needs root
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "x");
    const { first } = await checkThenApply(
      fileModule,
      { path: join(dir, "f"), owner: "nobody", group: "nogroup" },
      dir,
    );
    expect(first).toMatchObject({ changed: true, owner: "nobody", group: "nogroup", uid: 65534, gid: 65534 });
    expect(statSync(join(dir, "f")).uid).toBe(65534);
  });

  it("fails with Ansible's message for an unknown user", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "x");
    const result = await run(fileModule, { path: join(dir, "f"), owner: "no-such-user-tsible" });
    expect(result).toMatchObject({
      failed: true,
      msg: "chown failed: failed to look up user no-such-user-tsible",
    });
  });
});

describe("file state=file, touch, absent", () => {
  it("state=file on a missing path fails, and is the default state for an existing file", async () => {
    const dir = tempDir();
    const missing = await run(fileModule, { path: join(dir, "nope"), state: "file" });
    expect(missing).toMatchObject({
      failed: true,
      msg: `file (${join(dir, "nope")}) is absent, cannot continue`,
    });
    writeFileSync(join(dir, "f"), "x");
    chmodSync(join(dir, "f"), 0o644);
    const { first } = await checkThenApply(fileModule, { dest: join(dir, "f"), mode: "0600" }, dir);
    expect(first).toMatchObject({ changed: true, state: "file", mode: "0600", size: 1 });
  });

  it("touch creates a file with the umask's mode and is always changed", async () => {
    const dir = tempDir();
    const path = join(dir, "t");
    const check = await run(fileModule, { path, state: "touch" }, { check: true });
    expect(check.changed).toBe(true);
    expect(() => lstatSync(path)).toThrow();
    const first = await run(fileModule, { path, state: "touch" });
    expect(first).toMatchObject({ changed: true, dest: path, state: "file" });
    expect(modeOf(path)).toBe(0o666 & ~umask);
    const second = await run(fileModule, { path, state: "touch", mode: "0600" });
    expect(second.changed).toBe(true);
    expect(modeOf(path)).toBe(0o600);
  });

  it("absent removes a tree and lists what it held in the diff", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "x/y"), { recursive: true });
    writeFileSync(join(dir, "x/y/f"), "1");
    const check = await run(
      fileModule,
      { path: join(dir, "x"), state: "absent" },
      { check: true, diff: true },
    );
    expect(check.changed).toBe(true);
    expect(check.diff).toMatchObject({ before: expect.stringContaining('"path_content"') });
    expect(String((check.diff as { before: string }).before)).toContain(join(dir, "x/y/f"));
    expect(statSync(join(dir, "x/y/f")).isFile()).toBe(true);
    const { first } = await checkThenApply(fileModule, { path: join(dir, "x"), state: "absent" }, dir);
    expect(first).toMatchObject({ changed: true, state: "absent", path: join(dir, "x") });
    expect(() => lstatSync(join(dir, "x"))).toThrow();
  });
});

describe("file state=link", () => {
  it("creates a relative link, retargets it, and keeps the target's attributes", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "one"), "1");
    writeFileSync(join(dir, "two"), "2");
    const link = join(dir, "current");
    const { first } = await checkThenApply(fileModule, { path: link, src: "one", state: "link" }, dir);
    expect(first).toMatchObject({ changed: true, dest: link, src: "one", state: "link" });
    expect(readlinkSync(link)).toBe("one");
    const retarget = await run(fileModule, { path: link, src: "two", state: "link" }, { diff: true });
    expect(retarget.changed).toBe(true);
    expect(String((retarget.diff as { before: string }).before)).toContain('"src": "one"');
    expect(readlinkSync(link)).toBe("two");
  });

  it("refuses to replace a file without force and a missing source without force", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "x");
    const onFile = await run(fileModule, { path: join(dir, "f"), src: "/etc/hostname", state: "link" });
    expect(onFile).toMatchObject({
      failed: true,
      msg: `refusing to convert from file to symlink for ${join(dir, "f")}`,
    });
    const missing = await run(fileModule, { path: join(dir, "l"), src: "nowhere", state: "link" });
    expect(missing.msg).toBe(
      `src file does not exist, use "force=yes" if you really want to create the link: ${join(dir, "nowhere")}`,
    );
    const forced = await run(fileModule, {
      path: join(dir, "f"),
      src: "nowhere",
      state: "link",
      force: "yes",
    });
    expect(forced.changed).toBe(true);
    expect(readlinkSync(join(dir, "f"))).toBe("nowhere");
  });

  it("src without state=link is an error", async () => {
    const dir = tempDir();
    const result = await run(fileModule, { path: join(dir, "x"), src: "y", state: "directory" });
    expect(result).toMatchObject({ failed: true, msg: "src option requires state to be 'link' or 'hard'" });
  });
});

describe("file in a check run of several tasks", () => {
  it("sees the directories and links earlier tasks would create", async () => {
    const dir = tempDir();
    const overlay = new CheckOverlay();
    const before = snapshot(dir);
    const opts = { check: true, overlay };
    expect(
      (await run(fileModule, { path: join(dir, "releases/v1"), state: "directory" }, opts)).changed,
    ).toBe(true);
    const link = await run(
      fileModule,
      { path: join(dir, "current"), src: "releases/v1", state: "link" },
      opts,
    );
    expect(link).toMatchObject({ changed: true, state: "link" });
    const touch = await run(fileModule, { path: join(dir, "current/marker"), state: "touch" }, opts);
    expect(touch.changed).toBe(true);
    const again = await run(fileModule, { path: join(dir, "releases/v1"), state: "directory" }, opts);
    expect(again.changed).toBe(false);
    expect(snapshot(dir)).toEqual(before);
    expect(overlay.changes.map((c) => c.action)).toEqual(["mkdir", "mkdir", "symlink", "write"]);
    expect(overlay.changes.at(-1)?.path).toBe(join(dir, "releases/v1/marker"));
  });

  it("a link to an existing directory is followed for state=directory", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "real"));
    symlinkSync("real", join(dir, "alias"));
    const result = await run(fileModule, { path: join(dir, "alias"), state: "directory", mode: "0700" });
    expect(result).toMatchObject({ changed: true, path: join(dir, "real") });
    expect(modeOf(join(dir, "real"))).toBe(0o700);
  });
});

describe("file arguments", () => {
  it("rejects unknown options and states through the schema", async () => {
    await expect(run(fileModule, { path: "/tmp/x", stat: "directory" })).rejects.toThrow(/stat/);
    await expect(run(fileModule, { path: "/tmp/x", state: "folder" })).rejects.toThrow();
    await expect(run(fileModule, { state: "directory" })).rejects.toThrow();
  });

  it("a malformed mode fails the task", async () => {
    const dir = tempDir();
    const result = await run(fileModule, { path: dir, state: "directory", mode: "rw-r--r--" });
    expect(result.failed).toBe(true);
    expect(String(result.msg)).toMatch(/^mode must be in octal or symbolic form/);
  });
});
