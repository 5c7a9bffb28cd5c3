import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyModule } from "../../../src/modules/copy.js";
import { templateModule } from "../../../src/modules/template.js";
import { checkThenApply, run, tempDir } from "./fixtures.js";

const umask = process.umask();
const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe("copy content", () => {
  it("writes a new file with the umask's mode, sha1 checksum and path info; check mode predicts; idempotent", async () => {
    const dir = tempDir();
    const dest = join(dir, "c.txt");
    const { check, first } = await checkThenApply(copyModule, { content: "x\n", dest }, dir);
    expect(check.changed).toBe(true);
    expect(first).toMatchObject({
      changed: true,
      dest,
      checksum: "6fcf9dfbd479ed82697fee719b9f8c610a11ff2a",
      mode: (0o666 & ~umask).toString(8).padStart(4, "0"),
      size: 2,
      state: "file",
    });
    expect(readFileSync(dest, "utf8")).toBe("x\n");
  });

  it("keeps an existing file's mode, changes only what differs, and diffs the content", async () => {
    const dir = tempDir();
    const dest = join(dir, "c.txt");
    writeFileSync(dest, "old\n");
    chmodSync(dest, 0o640);
    const result = await run(copyModule, { content: "new\n", dest }, { diff: true });
    expect(result.diff).toEqual({
      before: "old\n",
      after: "new\n",
      before_header: dest,
      after_header: "dynamically generated",
    });
    expect(modeOf(dest)).toBe(0o640);
    const modeOnly = await checkThenApply(copyModule, { content: "new\n", dest, mode: "u=rw,g=,o=" }, dir);
    expect(modeOnly.first).toMatchObject({ changed: true, mode: "0600" });
  });

  it("skips the diff of binary content", async () => {
    const dir = tempDir();
    const dest = join(dir, "bin");
    writeFileSync(dest, Buffer.from([0, 1, 2]));
    const result = await run(copyModule, { content: "text", dest }, { diff: true, check: true });
    expect(result.diff).toMatchObject({ prepared: "diff skipped: destination file appears to be binary" });
  });

  it("force=false leaves an existing file alone", async () => {
    const dir = tempDir();
    const dest = join(dir, "c.txt");
    writeFileSync(dest, "mine\n");
    const result = await run(copyModule, { content: "theirs\n", dest, force: "no" });
    expect(result).toMatchObject({ changed: false, dest });
    expect(readFileSync(dest, "utf8")).toBe("mine\n");
  });

  it("backup keeps the old content as file.<pid>.<date>@<time>~", async () => {
    const dir = tempDir();
    const dest = join(dir, "c.txt");
    writeFileSync(dest, "old\n");
    const result = await run(copyModule, { content: "new\n", dest, backup: true });
    const backup = String(result.backup_file);
    expect(backup).toMatch(
      new RegExp(`^${dest}\\.${process.pid}\\.\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d~$`),
    );
    expect(readFileSync(backup, "utf8")).toBe("old\n");
    const again = await run(copyModule, { content: "new\n", dest, backup: true });
    expect(again.backup_file).toBeUndefined();
  });

  it("validate installs only content the command accepts", async () => {
    const dir = tempDir();
    const dest = join(dir, "conf");
    writeFileSync(dest, "good\n");
    const bad = await run(copyModule, { content: "bad\n", dest, validate: "grep -q good %s" });
    expect(bad).toMatchObject({ failed: true, msg: "failed to validate", exit_status: 1 });
    expect(readFileSync(dest, "utf8")).toBe("good\n");
    const ok = await run(copyModule, {
      content: "good too\n",
      dest,
      validate: "grep -q good %s",
      mode: "0600",
    });
    expect(ok.changed).toBe(true);
    expect(modeOf(dest)).toBe(0o600);
  });

  it("replaces a link at dest unless follow=yes", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "target"), "t\n");
    symlinkSync("target", join(dir, "link"));
    const followed = await run(copyModule, { content: "via link\n", dest: join(dir, "link"), follow: true });
    expect(followed.dest).toBe(join(dir, "target"));
    expect(lstatSync(join(dir, "link")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "target"), "utf8")).toBe("via link\n");
    const replaced = await run(copyModule, { content: "via link\n", dest: join(dir, "link") });
    expect(replaced.changed).toBe(true);
    expect(lstatSync(join(dir, "link")).isFile()).toBe(true);
  });

  it("fails like Ansible for a missing folder, content into a folder, and bad arguments", async () => {
    const dir = tempDir();
    expect(await run(copyModule, { content: "y", dest: join(dir, "nodir/c") })).toMatchObject({
      failed: true,
      msg: `Destination directory ${join(dir, "nodir")} does not exist`,
    });
    expect(await run(copyModule, { content: "y", dest: dir })).toMatchObject({
      failed: true,
      msg: "can not use content with a dir as dest",
    });
    expect(await run(copyModule, { dest: join(dir, "x") })).toMatchObject({
      msg: "src (or content) is required",
    });
    await expect(run(copyModule, { content: "y" })).rejects.toThrow(/dest/);
    await expect(run(copyModule, { content: "y", dest: join(dir, "x"), mdoe: "0644" })).rejects.toThrow(
      /mdoe/,
    );
  });
});

describe("copy src", () => {
  function sourceTree(): string {
    const local = tempDir();
    mkdirSync(join(local, "files/conf/sub"), { recursive: true });
    writeFileSync(join(local, "files/conf/a"), "1\n");
    writeFileSync(join(local, "files/conf/sub/b"), "2\n");
    writeFileSync(join(local, "files/tool.sh"), "#!/bin/sh\n");
    chmodSync(join(local, "files/tool.sh"), 0o755);
    return local;
  }

  it("copies a file found in files/ into an existing folder under its own name, mode=preserve", async () => {
    const local = sourceTree();
    const dir = tempDir();
    const { first } = await checkThenApply(copyModule, { src: "tool.sh", dest: dir, mode: "preserve" }, dir, {
      localDir: local,
    });
    expect(first).toMatchObject({ changed: true, dest: join(dir, "tool.sh"), mode: "0755" });
  });

  it("dest ending in / is created as a folder", async () => {
    const local = sourceTree();
    const dir = tempDir();
    const { first } = await checkThenApply(copyModule, { src: "tool.sh", dest: `${dir}/bin/` }, dir, {
      localDir: local,
    });
    expect(first.dest).toBe(join(dir, "bin/tool.sh"));
    expect(readFileSync(join(dir, "bin/tool.sh"), "utf8")).toBe("#!/bin/sh\n");
  });

  it("a folder without a trailing slash is copied as itself, with one the contents are", async () => {
    const local = sourceTree();
    const dir = tempDir();
    const itself = await checkThenApply(copyModule, { src: "conf", dest: join(dir, "out") }, dir, {
      localDir: local,
    });
    expect(itself.first).toMatchObject({ changed: true, dest: `${join(dir, "out")}/`, src: "conf" });
    expect(readFileSync(join(dir, "out/conf/sub/b"), "utf8")).toBe("2\n");
    await checkThenApply(copyModule, { src: "conf/", dest: join(dir, "flat"), directory_mode: "0750" }, dir, {
      localDir: local,
    });
    expect(readdirSync(join(dir, "flat")).sort()).toEqual(["a", "sub"]);
    expect(modeOf(join(dir, "flat"))).toBe(0o750);
    expect(modeOf(join(dir, "flat/sub"))).toBe(0o750);
  });

  it("remote_src copies a file already on the host", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "orig"), "o\n");
    const { first } = await checkThenApply(
      copyModule,
      { src: join(dir, "orig"), dest: join(dir, "dup"), remote_src: true },
      dir,
    );
    expect(first.changed).toBe(true);
    expect(readFileSync(join(dir, "dup"), "utf8")).toBe("o\n");
  });

  it("a missing source fails the task", async () => {
    const local = sourceTree();
    const result = await run(copyModule, { src: "nope", dest: "/tmp/x" }, { localDir: local });
    expect(result).toMatchObject({ failed: true, msg: "could not find 'nope'" });
  });
});

describe("template", () => {
  it("renders templates/ through ctx.renderTemplate and installs like copy", async () => {
    const local = tempDir();
    mkdirSync(join(local, "templates"));
    writeFileSync(join(local, "templates/app.conf.j2"), "port={{ port }}\n");
    const dir = tempDir();
    const dest = join(dir, "app.conf");
    const opts = { localDir: local, vars: { port: 8080 } };
    const { first } = await checkThenApply(
      templateModule,
      { src: "app.conf.j2", dest, mode: "0640" },
      dir,
      opts,
    );
    expect(first).toMatchObject({ changed: true, dest, mode: "0640" });
    expect(readFileSync(dest, "utf8")).toBe("port=8080\n");
    const changedVars = await run(
      templateModule,
      { src: "app.conf.j2", dest },
      { ...opts, vars: { port: 9090 }, diff: true },
    );
    expect(changedVars.diff).toMatchObject({ before: "port=8080\n", after: "port=9090\n" });
    expect(modeOf(dest)).toBe(0o640);
  });

  it("newline_sequence rewrites line breaks, and a folder dest gets the template's name", async () => {
    const local = tempDir();
    mkdirSync(join(local, "templates"));
    writeFileSync(join(local, "templates/win.txt"), "a\nb\n");
    const dir = tempDir();
    const result = await run(
      templateModule,
      { src: "win.txt", dest: dir, newline_sequence: "\r\n" },
      { localDir: local },
    );
    expect(result.dest).toBe(join(dir, "win.txt"));
    expect(readFileSync(join(dir, "win.txt"), "utf8")).toBe("a\r\nb\r\n");
  });

  it("requires src and dest", async () => {
    await expect(run(templateModule, { dest: "/tmp/x" })).rejects.toThrow(/src/);
  });
});
