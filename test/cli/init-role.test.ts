import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { tsible } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tsible-init-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tsible init role", () => {
  test("scaffolds a role whose test playbook runs on localhost and lints clean", async () => {
    const made = await tsible(["init", "role", "backup_db"], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain("Role backup_db was created successfully in roles/backup_db");
    for (const f of [
      "tasks/main.yml",
      "handlers/main.yml",
      "defaults/main.yml",
      "meta/main.yml",
      "README.md",
      "tests/test.yml",
    ])
      expect(existsSync(join(dir, "roles/backup_db", f)), f).toBe(true);
    for (const d of ["templates", "files"]) expect(existsSync(join(dir, "roles/backup_db", d))).toBe(true);

    const target = join(dir, "data");
    const run = await tsible(["run", "roles/backup_db/tests/test.yml", "-e", `backup_db_dir=${target}`], {
      cwd: dir,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain("changed: [localhost]");
    expect(existsSync(target)).toBe(true);

    const lint = await tsible(["lint", "roles/backup_db/tests/test.yml"], { cwd: dir });
    expect(lint.code, lint.stdout).toBe(0);
  });

  test("never overwrites an existing role", async () => {
    await tsible(["init", "role", "keep_me", "--path", "custom"], { cwd: dir });
    const tasks = join(dir, "custom/keep_me/tasks/main.yml");
    writeFileSync(tasks, "- debug: { msg: mine }\n");
    const again = await tsible(["init", "role", "keep_me", "--path", "custom"], { cwd: dir });
    expect(again.code).toBe(5);
    expect(again.stderr).toContain("role 'keep_me' already exists");
    expect(readFileSync(tasks, "utf8")).toBe("- debug: { msg: mine }\n");
  });

  test.each(["Web", "../escape", "web-app", "9lives", ""])("refuses the unsafe name %j", async (name) => {
    const res = await tsible(["init", "role", name], { cwd: dir });
    expect(res.code).toBe(5);
    expect(res.stderr).toMatch(/not a safe role name|needs a NAME/);
    expect(existsSync(join(dir, "escape"))).toBe(false);
  });
});
