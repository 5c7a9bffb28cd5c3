import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { tsible } from "../helpers/cli.js";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "tsible-lint-"));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("tsible lint", () => {
  test("a clean project passes", async () => {
    const dir = project({
      "playbooks/site.yml": `- hosts: all
  tasks:
    - name: config
      template: { src: app.conf.j2, dest: /tmp/app.conf }
      notify: restart app
  handlers:
    - name: restart app
      debug: { msg: restarting }
`,
      "playbooks/templates/app.conf.j2": "port={{ port }}\n",
    });
    const res = await tsible(["lint"], { cwd: dir });
    expect(res.stdout).toContain("1 file(s) checked, 0 problem(s)");
    expect(res.code).toBe(0);
  });

  test("reports every problem with file:line:col and a hint, across playbooks and unused roles", async () => {
    const dir = project({
      "playbooks/site.yml": `- hosts: all
  tasks:
    - name: config
      template: { src: missing.j2, dest: /tmp/app.conf }
      notify: restart ap
    - name: by variable is not checked
      template: { src: "{{ tpl }}", dest: /tmp/x }
  handlers:
    - name: restart app
      debug: { msg: restarting }
`,
      "playbooks/typo.yml": `- hosts: all
  tasks:
    - name: typo
      fille: { path: /tmp/x }
`,
      "playbooks/no-role.yml": "- hosts: all\n  roles:\n    - nginx\n",
      "roles/unused/tasks/main.yml": "- name: bad option\n  file: { path: /tmp/x, stat: directory }\n",
    });
    const res = await tsible(["lint"], { cwd: dir });
    expect(res.code).toBe(1);
    const problems = res.stdout.split("\n").filter((l) => /^\S+:\d+:\d+: /.test(l));
    expect(problems).toEqual([
      "playbooks/no-role.yml:3:7: role 'nginx' not found",
      "playbooks/site.yml:3:7: notify 'restart ap': no handler of that name (or listen topic) in this play",
      "playbooks/site.yml:3:7: template: src 'missing.j2' not found",
      "playbooks/typo.yml:4:7: unknown module or task keyword 'fille'",
      "roles/unused/tasks/main.yml:2:25: module file: unknown option 'stat'",
    ]);
    expect(res.stdout).toContain("hint: handlers: restart app");
    expect(res.stdout).toContain("hint: did you mean 'file'?");
    expect(res.stdout).toContain("4 file(s) checked, 5 problem(s)");
  });

  test("lints the playbooks given on the command line", async () => {
    const dir = project({
      "a.yml": "- hosts: all\n  tasks:\n    - debug: { msg: hi }\n",
      "b.yml": "- hosts: all\n  tasks:\n    - debug: { msg: hi }\n      notify: nobody\n",
    });
    const ok = await tsible(["lint", "a.yml"], { cwd: dir });
    expect(ok.code).toBe(0);
    const bad = await tsible(["lint", "a.yml", "b.yml"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("b.yml:3:7: notify 'nobody'");
    const missing = await tsible(["lint", "nope.yml"], { cwd: dir });
    expect(missing.code).toBe(5);
  });
});
