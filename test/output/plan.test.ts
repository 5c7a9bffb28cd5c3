import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tsible } from "../helpers/cli.js";
import { LOCAL_INVENTORY, tempProject } from "./project.js";

const project = tempProject("tsible-plan-");

describe("check-mode plan and --exit-code-on-changes", () => {
  test("pending changes exit 10 with a per-host plan; none pending exits 0; failures keep their code", async () => {
    const dir = project({ "inv.ini": LOCAL_INVENTORY });
    const out = join(dir, "out");
    mkdirSync(out);
    const { writeFileSync } = await import("node:fs");
    writeFileSync(
      join(dir, "pb.yml"),
      `- hosts: web
  gather_facts: false
  tasks:
    - name: host folder
      file: { path: "${out}/{{ inventory_hostname }}", state: directory }
    - name: marker on h1 only
      file: { path: "${out}/h1/sub", state: directory }
      when: inventory_hostname == 'h1'
`,
    );
    const args = ["run", "pb.yml", "-i", "inv.ini", "--exit-code-on-changes"];
    const check = await tsible([...args, "--check"], { cwd: dir });
    expect(check.code, check.stderr).toBe(10);
    const plan = check.stdout.slice(check.stdout.indexOf("PLAN (check mode"));
    expect(plan.split("\n").slice(1, 6)).toEqual([
      "h1: 2 would change",
      `  ~ host folder: directory ${out}/h1`,
      `  ~ marker on h1 only: directory ${out}/h1/sub`,
      "h2: 1 would change",
      `  ~ host folder: directory ${out}/h2`,
    ]);

    const real = await tsible(args, { cwd: dir });
    expect(real.code).toBe(10);
    expect(real.stdout).not.toContain("PLAN (check mode");

    const again = await tsible([...args, "--check"], { cwd: dir });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain("h1: no changes");

    const plain = await tsible(["run", "pb.yml", "-i", "inv.ini", "--check"], { cwd: dir });
    expect(plain.code).toBe(0);

    writeFileSync(
      join(dir, "fail.yml"),
      `- hosts: web
  gather_facts: false
  tasks:
    - file: { path: "${out}/new-{{ inventory_hostname }}", state: directory }
    - command: "false"
      when: inventory_hostname == 'h2'
`,
    );
    const failed = await tsible(["run", "fail.yml", "-i", "inv.ini", "--exit-code-on-changes"], { cwd: dir });
    expect(failed.code).toBe(2);
  });
});
