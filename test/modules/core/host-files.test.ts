import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { createHostFiles } from "../../../src/connection/host-files.js";
import { runLocal } from "../../../src/connection/local.js";
import { LocalFileTransport } from "../../../src/connection/local-files.js";
import { snapshot, tempDir } from "./fixtures.js";

function view(check: boolean, overlay = new CheckOverlay()) {
  const commands: string[] = [];
  const exec = (command: string) => {
    commands.push(command);
    return runLocal(command);
  };
  return {
    files: createHostFiles({ transport: new LocalFileTransport(), exec, check, overlay }),
    overlay,
    commands,
  };
}

describe("host files in check mode", () => {
  it("records writes, shows them to later reads, and leaves the host alone", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "kept"), "host\n");
    const before = snapshot(dir);
    const { files, overlay } = view(true);
    await files.mkdirp(join(dir, "a/b"), { mode: 0o750 });
    await files.writeFile(join(dir, "a/b/new"), Buffer.from("new\n"), { mode: 0o600 });
    await files.chmod(join(dir, "kept"), 0o600);
    expect((await files.readFile(join(dir, "a/b/new")))?.toString()).toBe("new\n");
    expect(await files.stat(join(dir, "a/b/new"))).toMatchObject({ type: "file", mode: 0o600, size: 4 });
    expect(await files.stat(join(dir, "a"))).toMatchObject({ type: "directory", mode: 0o750 });
    expect(await files.stat(join(dir, "kept"))).toMatchObject({ mode: 0o600, size: 5 });
    expect((await files.readFile(join(dir, "kept")))?.toString()).toBe("host\n");
    expect((await files.readdir(dir)).sort()).toEqual(["a", "kept"]);
    // folders only check mode made list what it put there: the host has no such folder to read
    expect(await files.readdir(join(dir, "a"))).toEqual(["b"]);
    expect(await files.readdir(join(dir, "a/b"))).toEqual(["new"]);
    expect(snapshot(dir)).toEqual(before);
    expect(overlay.changes).toEqual([
      { action: "mkdir", path: join(dir, "a"), mode: 0o750 },
      { action: "mkdir", path: join(dir, "a/b"), mode: 0o750 },
      { action: "write", path: join(dir, "a/b/new"), mode: 0o600, size: 4 },
      { action: "chmod", path: join(dir, "kept"), mode: 0o600 },
    ]);
  });

  it("a removed tree is gone below too, and a folder made again there starts empty", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "t/sub"), { recursive: true });
    writeFileSync(join(dir, "t/sub/f"), "x");
    const { files } = view(true);
    await files.remove(join(dir, "t"), { recursive: true });
    expect(await files.stat(join(dir, "t/sub/f"))).toBeUndefined();
    await files.mkdirp(join(dir, "t"));
    expect(await files.readdir(join(dir, "t"))).toEqual([]);
    expect(await files.stat(join(dir, "t/sub"))).toBeUndefined();
    expect(statSync(join(dir, "t/sub/f")).isFile()).toBe(true);
  });

  it("follows links it recorded when reading and writing through them", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "releases/v2"), { recursive: true });
    const { files } = view(true);
    await files.symlink("releases/v2", join(dir, "current"));
    await files.writeFile(join(dir, "current/app.txt"), Buffer.from("v2"));
    expect(await files.realpath(join(dir, "current/app.txt"))).toBe(join(dir, "releases/v2/app.txt"));
    expect((await files.readFile(join(dir, "releases/v2/app.txt")))?.toString()).toBe("v2");
    expect(await files.stat(join(dir, "current"), { follow: false })).toMatchObject({
      type: "link",
      linkTarget: "releases/v2",
    });
  });

  it("predicts the errors the host would give", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "");
    const { files } = view(true);
    await expect(files.writeFile(join(dir, "missing/f"), Buffer.from(""))).rejects.toMatchObject({
      code: "ENOENT",
    });
    await expect(files.mkdirp(join(dir, "file/sub"))).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(files.chmod(join(dir, "nope"), 0o600)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("host files for real", () => {
  it("writes atomically with the umask's mode for new files and keeps an existing file's mode", async () => {
    const dir = tempDir();
    const { files } = view(false);
    await files.writeFile(join(dir, "new"), Buffer.from("1"));
    expect(statSync(join(dir, "new")).mode & 0o777).toBe(0o666 & ~process.umask());
    writeFileSync(join(dir, "old"), "0");
    chmodSync(join(dir, "old"), 0o640);
    await files.writeFile(join(dir, "old"), Buffer.from("2"));
    expect(statSync(join(dir, "old")).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(dir, "old"), "utf8")).toBe("2");
  });

  it("a real write makes the host the truth again for that path", async () => {
    const dir = tempDir();
    const overlay = new CheckOverlay();
    await view(true, overlay).files.writeFile(join(dir, "f"), Buffer.from("predicted"));
    const real = view(false, overlay).files;
    await real.writeFile(join(dir, "f"), Buffer.from("written"));
    expect(overlay.isEmpty).toBe(true);
    expect((await real.readFile(join(dir, "f")))?.toString()).toBe("written");
  });

  it("plans attribute changes with Ansible's diff shape and looks names up once per host", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "");
    chmodSync(join(dir, "f"), 0o644);
    const overlay = new CheckOverlay();
    const first = view(false, overlay);
    const plan = await first.files.planAttributes(join(dir, "f"), { mode: 0o600, group: "root" });
    expect(plan).toMatchObject({
      changed: true,
      mode: 0o600,
      before: { mode: "0644" },
      after: { mode: "0600" },
    });
    await first.files.applyAttributes(plan);
    expect(statSync(join(dir, "f")).mode & 0o777).toBe(0o600);
    const second = view(false, overlay);
    await second.files.planAttributes(join(dir, "f"), { group: "root" });
    await second.files.identity();
    expect(second.commands).toEqual([]);
  });
});
