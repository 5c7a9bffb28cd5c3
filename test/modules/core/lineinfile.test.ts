import { chmodSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { copyModule } from "../../../src/modules/copy.js";
import { lineinfileModule } from "../../../src/modules/lineinfile.js";
import { checkThenApply, run, snapshot, tempDir } from "./fixtures.js";
import cases from "./lineinfile-ansible-cases.json" with { type: "json" };

interface Case {
  before: string;
  args: Record<string, unknown>;
  after: string;
  changed: boolean;
  msg: string;
  found?: number;
}

describe("lineinfile matches ansible-core 2.14 case by case", () => {
  // recorded with `ansible localhost -m lineinfile -a '{...}'` on the same inputs
  it.each((cases as Case[]).map((c, i) => [i, c] as const))("case %i", async (_i, c) => {
    const dir = tempDir();
    const path = join(dir, "f");
    writeFileSync(path, c.before);
    const check = await run(lineinfileModule, { path, ...c.args }, { check: true });
    expect(readFileSync(path, "utf8")).toBe(c.before);
    expect(check.changed).toBe(c.changed);
    const result = await run(lineinfileModule, { path, ...c.args });
    expect(readFileSync(path, "utf8")).toBe(c.after);
    expect(result).toMatchObject({ changed: c.changed, msg: c.msg });
    if (c.found !== undefined) expect(result.found).toBe(c.found);
  });
});

describe("lineinfile", () => {
  it("creates a missing file (and its folder) with create=yes and the given mode; idempotent", async () => {
    const dir = tempDir();
    const path = join(dir, "etc/app.conf");
    const { first } = await checkThenApply(
      lineinfileModule,
      { path, line: "a=1", create: true, mode: "0600" },
      dir,
    );
    expect(first).toMatchObject({
      changed: true,
      msg: "line added and ownership, perms or SE linux context changed",
    });
    expect(readFileSync(path, "utf8")).toBe("a=1\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("fails on a missing file without create and on a directory", async () => {
    const dir = tempDir();
    const missing = await run(lineinfileModule, { path: join(dir, "nope"), line: "x" });
    expect(missing).toMatchObject({
      failed: true,
      rc: 257,
      msg: `Destination ${join(dir, "nope")} does not exist !`,
    });
    const onDir = await run(lineinfileModule, { path: dir, line: "x" });
    expect(onDir).toMatchObject({ failed: true, msg: `Path ${dir} is a directory !` });
  });

  it("reports content and attribute diffs with Ansible's headers", async () => {
    const dir = tempDir();
    const path = join(dir, "f");
    writeFileSync(path, "a\n");
    chmodSync(path, 0o644);
    const result = await run(
      lineinfileModule,
      { path, line: "b", mode: "0640" },
      { diff: true, check: true },
    );
    expect(result.diff).toEqual([
      {
        before: "a\n",
        after: "a\nb\n",
        before_header: `${path} (content)`,
        after_header: `${path} (content)`,
      },
      {
        before: '{\n    "mode": "0644"\n}\n',
        after: '{\n    "mode": "0640"\n}\n',
        before_header: `${path} (file attributes)`,
        after_header: `${path} (file attributes)`,
      },
    ]);
  });

  it("keeps a timestamped backup and edits the target of a link", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "real"), "a\n");
    symlinkSync("real", join(dir, "link"));
    const result = await run(lineinfileModule, { path: join(dir, "link"), line: "b", backup: true });
    expect(result.changed).toBe(true);
    expect(String(result.backup)).toMatch(
      new RegExp(`^${join(dir, "real")}\\.\\d+\\.\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d~$`),
    );
    expect(readFileSync(String(result.backup), "utf8")).toBe("a\n");
    expect(readFileSync(join(dir, "real"), "utf8")).toBe("a\nb\n");
    expect(readdirSync(dir).sort()).toHaveLength(3);
  });

  it("installs only content that validates, with %s replaced by a temp file", async () => {
    const dir = tempDir();
    const path = join(dir, "f");
    writeFileSync(path, "ok\n");
    const bad = await run(lineinfileModule, { path, line: "bad", validate: "sh -c '! grep -q bad %s'" });
    expect(bad).toMatchObject({ failed: true });
    expect(String(bad.msg)).toMatch(/^failed to validate: rc:1/);
    expect(readFileSync(path, "utf8")).toBe("ok\n");
    const good = await run(lineinfileModule, { path, line: "good", validate: "grep -q good %s" });
    expect(good.changed).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("ok\ngood\n");
    const noPlaceholder = await run(lineinfileModule, { path, line: "x", validate: "true" });
    expect(noPlaceholder).toMatchObject({ failed: true, msg: "validate must contain %s: true" });
  });

  it("rejects wrong arguments", async () => {
    const dir = tempDir();
    const path = join(dir, "f");
    writeFileSync(path, "");
    await expect(run(lineinfileModule, { path, lines: "x" })).rejects.toThrow(/lines/);
    expect(await run(lineinfileModule, { path })).toMatchObject({
      failed: true,
      msg: "line is required with state=present",
    });
    expect(await run(lineinfileModule, { path, line: "x", backrefs: true })).toMatchObject({
      msg: "regexp is required with backrefs=true",
    });
    expect(
      await run(lineinfileModule, { path, line: "x", insertafter: "a", insertbefore: "b" }),
    ).toMatchObject({
      failed: true,
      msg: "parameters are mutually exclusive: insertbefore|insertafter",
    });
    expect(await run(lineinfileModule, { path, state: "absent" })).toMatchObject({
      msg: "one of line, search_string, or regexp is required with state=absent",
    });
  });
});

describe("check mode sees earlier tasks through the host's overlay", () => {
  it("a lineinfile after a copy that would create the file predicts the edit, and the real run agrees", async () => {
    const dir = tempDir();
    const path = join(dir, "app.env");
    const copyArgs = { content: "A=1\n", dest: path, mode: "0600" };
    const lineArgs = { path, regexp: "^B=", line: "B=2" };
    const before = snapshot(dir);
    const overlay = new CheckOverlay();
    const copyCheck = await run(copyModule, copyArgs, { check: true, overlay });
    const lineCheck = await run(lineinfileModule, lineArgs, { check: true, overlay, diff: true });
    expect(snapshot(dir)).toEqual(before);
    expect(copyCheck.changed).toBe(true);
    expect(lineCheck).toMatchObject({ changed: true, msg: "line added" });
    expect((lineCheck.diff as { after: string }[])[0]!.after).toBe("A=1\nB=2\n");

    const copyReal = await run(copyModule, copyArgs);
    const lineReal = await run(lineinfileModule, lineArgs);
    expect([copyReal.changed, lineReal.changed]).toEqual([copyCheck.changed, lineCheck.changed]);
    expect(readFileSync(path, "utf8")).toBe("A=1\nB=2\n");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(overlay.changes.map((c) => c.action)).toEqual(["write", "write"]);
  });

  it("without the overlay the same lineinfile would fail, as Ansible's check mode does", async () => {
    const dir = tempDir();
    const result = await run(lineinfileModule, { path: join(dir, "app.env"), line: "B=2" }, { check: true });
    expect(result.failed).toBe(true);
  });
});
