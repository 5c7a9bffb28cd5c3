import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { compareManifests, parseManifest } from "../../../src/modules/archive/manifest.js";
import { archive } from "../../../src/modules/archive.js";
import { unarchive } from "../../../src/modules/unarchive.js";
import { tmpfsSkipReason } from "../../helpers/disk.js";
import { runModule } from "./context.js";

const ODD = ['we ird "quoted" $name', "new\nline", "-dash", "back\\slash", "ünïcødé ✓"];
const isRoot = process.getuid?.() === 0;

describe("archive and unarchive with GNU tar on the host", () => {
  const work = mkdtempSync(join(tmpdir(), "tsible-archive-"));
  const app = join(work, "srv", "app");
  const dest = join(work, "backups", "app.tar.gz");
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  mkdirSync(join(app, "conf", "empty"), { recursive: true });
  mkdirSync(join(work, "backups"));
  for (const [i, name] of ODD.entries()) writeFileSync(join(app, name), `content ${i}\n`);
  writeFileSync(join(app, "conf", "secret.env"), "TOKEN=abc\n");
  chmodSync(join(app, "conf", "secret.env"), 0o640);
  writeFileSync(join(app, "run.sh"), "#!/bin/sh\n");
  chmodSync(join(app, "run.sh"), 0o755);
  symlinkSync("conf/secret.env", join(app, "current.env"));
  symlinkSync("/nonexistent/target", join(app, "dangling"));
  if (isRoot) lchownSync(join(app, "conf", "secret.env"), 1234, 5678);

  test("writes the archive and its manifest once; check mode and diff predict a change", async () => {
    const predicted = await runModule(archive, { path: app, dest }, { check: true, diff: true });
    expect(predicted).toMatchObject({ changed: true, root: join(work, "srv"), files: 7 });
    expect((predicted.diff as { after: string }).after).toContain("app/run.sh");
    expect(() => statSync(dest)).toThrow();

    const made = await runModule(archive, { path: app, dest });
    expect(made).toMatchObject({ changed: true, files: 7, manifest: `${dest}.sha256` });
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    const beside = readFileSync(`${dest}.sha256`, "utf8");
    const inside = execFileSync("tar", ["-xzOf", dest, "MANIFEST.sha256"], { encoding: "utf8" });
    expect(inside).toBe(beside);
    const manifest = parseManifest(beside);
    expect([...manifest.keys()]).toEqual(expect.arrayContaining(ODD.map((n) => `app/${n}`)));
    expect(manifest.has("app/current.env")).toBe(false); // links are kept by tar, hashed through their targets
    // sha256sum itself accepts the manifest, odd names included
    expect(
      execFileSync("sha256sum", ["-c", "--quiet", `${dest}.sha256`], { cwd: join(work, "srv") }).toString(),
    ).toBe("");

    expect((await runModule(archive, { path: app, dest })).changed).toBe(false);
    writeFileSync(join(app, "run.sh"), "#!/bin/sh\necho v2\n");
    expect((await runModule(archive, { path: app, dest }, { check: true })).changed).toBe(true);
    expect((await runModule(archive, { path: app, dest })).changed).toBe(true);
  });

  test("verify reports missing, changed and extra files", async () => {
    const clean = await runModule(archive, { path: app, dest, state: "verify" });
    expect(clean).toMatchObject({ changed: false, missing: [], changed_files: [], extra: [] });
    expect(clean.failed).toBeUndefined();

    writeFileSync(join(app, "new\nline"), "tampered\n");
    writeFileSync(join(app, "conf", "added.txt"), "extra\n");
    rmSync(join(app, "-dash"));
    const dirty = await runModule(archive, { path: app, dest, state: "verify" });
    expect(dirty).toMatchObject({
      failed: true,
      changed: false,
      missing: ["app/-dash"],
      changed_files: ["app/new\nline"],
      extra: ["app/conf/added.txt"],
    });
    expect(dirty.msg).toContain("1 missing");
  });

  test("unarchive restores contents, modes, owners and symlinks; idempotent by tar --compare", async () => {
    const target = join(work, "restore");
    mkdirSync(target);
    const predicted = await runModule(unarchive, { src: dest, dest: target }, { check: true });
    expect(predicted.changed).toBe(true);
    expect(() => lstatSync(join(target, "app"))).toThrow();

    const restored = await runModule(unarchive, { src: dest, dest: target });
    expect(restored).toMatchObject({ changed: true, files: 7 });
    expect(restored.failed).toBeUndefined();
    const out = join(target, "app");
    expect(readFileSync(join(out, "new\nline"), "utf8")).toBe("content 1\n");
    expect(readFileSync(join(out, ODD[0]!), "utf8")).toBe("content 0\n");
    expect(statSync(join(out, "run.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(out, "conf", "secret.env")).mode & 0o777).toBe(0o640);
    expect(readlinkSync(join(out, "current.env"))).toBe("conf/secret.env");
    expect(readlinkSync(join(out, "dangling"))).toBe("/nonexistent/target");
    expect(lstatSync(join(out, "conf", "empty")).isDirectory()).toBe(true);
    expect(() => lstatSync(join(target, "MANIFEST.sha256"))).toThrow();
    if (isRoot) expect(statSync(join(out, "conf", "secret.env"))).toMatchObject({ uid: 1234, gid: 5678 });

    expect((await runModule(unarchive, { src: dest, dest: target })).changed).toBe(false);
    chmodSync(join(out, "run.sh"), 0o700);
    const drift = await runModule(unarchive, { src: dest, dest: target }, { check: true });
    expect(drift).toMatchObject({
      changed: true,
      differences: [expect.stringContaining("run.sh: Mode differs")],
    });
    expect((await runModule(unarchive, { src: dest, dest: target })).changed).toBe(true);
    expect(statSync(join(out, "run.sh")).mode & 0o777).toBe(0o755);
  });

  test("a missing source path fails and writes nothing", async () => {
    const other = join(work, "backups", "missing.tar.gz");
    const result = await runModule(archive, { path: [app, join(work, "srv", "nope")], dest: other });
    expect(result).toMatchObject({
      failed: true,
      msg: expect.stringContaining("no such file or directory: nope"),
    });
    expect(() => statSync(other)).toThrow();
  });
});

/** `path` made a mount point (bound onto itself): renaming onto it fails with EBUSY until `undo()`. */
function pinInPlace(path: string): { undo(): void } {
  execFileSync("mount", ["--bind", path, path]);
  return { undo: () => execFileSync("umount", [path]) };
}

const mountSkip = tmpfsSkipReason();
describe.skipIf(mountSkip)(
  `an archive cut off between its two renames${mountSkip ? ` (skipped: ${mountSkip})` : ""}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), "tsible-archive-cut-"));
    const app = join(work, "srv", "app");
    const dest = join(work, "backups", "app.tar.gz");
    const manifest = `${dest}.sha256`;
    mkdirSync(app, { recursive: true });
    mkdirSync(join(work, "backups"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    /** The archive holds the tree as it is now, and its manifest inside equals the one at `beside`. */
    function expectConsistent(beside: string): void {
      const inside = execFileSync("tar", ["-xzOf", dest, "MANIFEST.sha256"], { encoding: "utf8" });
      expect(readFileSync(beside, "utf8")).toBe(inside);
      expect(
        execFileSync("sha256sum", ["-c", "--quiet", beside], { cwd: join(work, "srv") }).toString(),
      ).toBe("");
      expect(execFileSync("tar", ["-xzOf", dest, "app/version"], { encoding: "utf8" })).toBe(
        readFileSync(join(app, "version"), "utf8"),
      );
    }

    test("the archive's rename fails: the task fails, and the next run writes archive and manifest again", async () => {
      writeFileSync(join(app, "version"), "v1\n");
      expect((await runModule(archive, { path: app, dest })).changed).toBe(true);
      writeFileSync(join(app, "version"), "v2\n");
      const pinned = pinInPlace(dest);
      let failed: Awaited<ReturnType<typeof runModule>>;
      try {
        failed = await runModule(archive, { path: app, dest });
      } finally {
        pinned.undo();
      }
      expect(failed).toMatchObject({
        failed: true,
        msg: expect.stringContaining(`archive ${dest} on localhost`),
      });
      expect(failed.msg).toMatch(/busy/i);

      const repaired = await runModule(archive, { path: app, dest });
      expect(repaired).toMatchObject({ changed: true, files: 1 });
      expectConsistent(manifest);
      expect((await runModule(archive, { path: app, dest })).changed).toBe(false);
    });

    test("the manifest's rename fails after the archive landed: the next run writes the manifest too", async () => {
      const elsewhere = join(work, "manifests", "app.sha256"); // a folder not made yet
      writeFileSync(join(app, "version"), "v3\n");
      const failed = await runModule(archive, { path: app, dest, manifest: elsewhere });
      expect(failed).toMatchObject({ failed: true, msg: expect.stringContaining("manifests/app.sha256") });

      mkdirSync(join(work, "manifests"));
      const repaired = await runModule(archive, { path: app, dest, manifest: elsewhere });
      expect(repaired.changed).toBe(true);
      expectConsistent(elsewhere);
      expect((await runModule(archive, { path: app, dest, manifest: elsewhere })).changed).toBe(false);
    });

    test("a manifest beside an older archive (what a cut-off run used to leave) is not taken for it", async () => {
      writeFileSync(join(app, "version"), "v4\n");
      const v4 = execFileSync("sh", ["-c", "find app -type f | sort | xargs sha256sum --"], {
        cwd: join(work, "srv"),
        encoding: "utf8",
      });
      writeFileSync(manifest, v4);
      const predicted = await runModule(archive, { path: app, dest }, { check: true });
      expect(predicted.changed).toBe(true);
      expect((await runModule(archive, { path: app, dest })).changed).toBe(true);
      expectConsistent(manifest);
    });
  },
);

describe("manifest parsing (sha256sum's escapes)", () => {
  test("escaped names and comparisons", () => {
    const hash = "a".repeat(64);
    const other = "b".repeat(64);
    const text = `${hash}  plain name\n\\${hash}  new\\nline and back\\\\slash\n${other} *binary\n`;
    const manifest = parseManifest(text);
    expect([...manifest.keys()]).toEqual(["plain name", "new\nline and back\\slash", "binary"]);
    expect(() => parseManifest("garbage\n")).toThrow(/not a sha256sum line/);
    const now = new Map([
      ["plain name", other],
      ["binary", other],
      ["added", hash],
    ]);
    expect(compareManifests(manifest, now)).toEqual({
      missing: ["new\nline and back\\slash"],
      changed: ["plain name"],
      extra: ["added"],
    });
  });
});
