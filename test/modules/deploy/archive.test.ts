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
