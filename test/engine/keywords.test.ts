import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { recapLines, taskStatuses, tsible } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tsible-kw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes a playbook and an inventory of local hosts, runs it, returns the process result. */
async function play(yaml: string, args: string[] = [], hosts = ["localhost"]) {
  const n = ++counter;
  const file = join(dir, `play${n}.yml`);
  const inv = join(dir, `inv${n}.ini`);
  writeFileSync(file, yaml.replaceAll("BASE", dir));
  writeFileSync(inv, hosts.map((h) => `${h} ansible_connection=local`).join("\n"));
  return tsible(["run", file, "-i", inv, ...args]);
}

describe("task keywords", () => {
  test("tags: --tags, --skip-tags, always and never", async () => {
    const yaml = `
- hosts: all
  gather_facts: false
  tasks:
    - { name: tagged-a, debug: { msg: a }, tags: [a] }
    - { name: tagged-b, debug: { msg: b }, tags: b }
    - { name: always, debug: { msg: always }, tags: [always] }
    - { name: never, debug: { msg: never }, tags: [never] }
    - { name: never-but-asked, debug: { msg: asked }, tags: [never, debugging] }
    - { name: untagged, debug: { msg: plain } }
`;
    const names = (out: string) => taskStatuses(out).map((t) => t.task);
    expect(names((await play(yaml)).stdout)).toEqual(["tagged-a", "tagged-b", "always", "untagged"]);
    expect(names((await play(yaml, ["--tags", "a"])).stdout)).toEqual(["tagged-a", "always"]);
    expect(names((await play(yaml, ["--skip-tags", "a,always"])).stdout)).toEqual(["tagged-b", "untagged"]);
    expect(names((await play(yaml, ["--tags", "debugging"])).stdout)).toEqual(["always", "never-but-asked"]);
    expect(names((await play(yaml, ["--tags", "untagged"])).stdout)).toEqual(["always", "untagged"]);
  });

  test("register, when, changed_when, failed_when and until see the result", async () => {
    const res = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - name: produce
      command: echo hello
      register: out
      changed_when: "'hello' in out.stdout"
    - name: fails on its own terms
      shell: echo bad; exit 0
      register: bad
      failed_when: "'bad' in bad.stdout"
      ignore_errors: true
    - name: conditional
      debug: { msg: "{{ out.stdout | upper }}" }
      when: out is changed and bad is failed
    - name: retried
      shell: "n=$(cat BASE/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > BASE/n; echo $n"
      register: r
      until: r.stdout | int >= 3
      retries: 5
      delay: 0
`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('"msg": "HELLO"');
    expect(readFileSync(join(dir, "n"), "utf8").trim()).toBe("3");
    expect(recapLines(res.stdout)[0]).toMatch(/ok=4 +changed=3 +.*failed=0 .*ignored=1/);
  });

  test("an undefined variable fails the task with its name and location, the run exits 2", async () => {
    const res = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - name: uses a typo
      debug: { msg: "{{ not_defined_anywhere }}" }
    - name: never reached
      debug: { msg: x }
`);
    expect(res.code).toBe(2);
    expect(res.stdout).toMatch(/fatal: \[localhost\]: FAILED! => .*not_defined_anywhere.* is undefined/);
    expect(res.stdout).toMatch(/play\d+\.yml:5:7/);
    expect(res.stdout).not.toContain("never reached");
  });

  test("a failed host drops out, the others go on; any_errors_fatal stops all", async () => {
    const yaml = (fatal: boolean) => `
- hosts: all
  gather_facts: false
  any_errors_fatal: ${fatal}
  tasks:
    - name: fail one
      fail: { msg: boom }
      when: inventory_hostname == 'h1'
    - name: next
      file: { path: "BASE/next-{{ inventory_hostname }}-${fatal}", state: directory }
`;
    const res = await play(yaml(false), [], ["h1", "h2"]);
    expect(res.code).toBe(2);
    expect(existsSync(join(dir, "next-h2-false"))).toBe(true);
    expect(existsSync(join(dir, "next-h1-false"))).toBe(false);
    const fatal = await play(yaml(true), [], ["h1", "h2"]);
    expect(fatal.code).toBe(2);
    expect(existsSync(join(dir, "next-h2-true"))).toBe(false);
  });

  test("run_once runs on the first host and registers for all; serial makes batches", async () => {
    const res = await play(
      `
- hosts: all
  gather_facts: false
  serial: 2
  tasks:
    - name: once
      command: echo "{{ inventory_hostname }}"
      register: first
      run_once: true
    - name: everyone sees it
      lineinfile: { path: BASE/once.log, line: "{{ inventory_hostname }} saw {{ first.stdout }}", create: true }
      throttle: 1
`,
      [],
      ["h1", "h2", "h3"],
    );
    expect(res.code, res.stdout).toBe(0);
    const lines = readFileSync(join(dir, "once.log"), "utf8").trim().split("\n").sort();
    expect(lines).toEqual(["h1 saw h1", "h2 saw h1", "h3 saw h3"]);
    expect(res.stdout.match(/TASK \[once\]/g)).toHaveLength(2);
  });

  test("environment: is exported to the commands of the play and task", async () => {
    const res = await play(`
- hosts: all
  gather_facts: false
  environment: { GREETING: hello }
  tasks:
    - shell: echo "$GREETING $WHO"
      environment: { WHO: "{{ inventory_hostname }}" }
      register: r
    - debug: { var: r.stdout }
`);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('"r.stdout": "hello localhost"');
  });

  test("set_fact in a loop keeps the last item; a skipped include_tasks is reported and counted", async () => {
    const res = await play(`
- hosts: all
  gather_facts: false
  tasks:
    - set_fact: { moved: "{{ item }}" }
      loop: [a, b]
    - debug: { msg: "moved={{ moved }}" }
    - include_tasks: missing-but-skipped.yml
      when: false
`);
    expect(res.code, res.stdout).toBe(0);
    expect(res.stdout).toContain('"msg": "moved=b"');
    expect(res.stdout).toMatch(/TASK \[include_tasks\] \*+\nskipping: \[localhost\]/);
    expect(recapLines(res.stdout)[0]).toMatch(/ok=2 .*skipped=1/);
  });

  test("extra vars win over play vars; -e accepts k=v, JSON and @file", async () => {
    writeFileSync(join(dir, "extra.yml"), "from_file: yes-file\n");
    const res = await play(
      `
- hosts: all
  gather_facts: false
  vars: { who: play, n: 1 }
  tasks:
    - debug: { msg: "{{ who }} {{ n + 1 }} {{ from_file }}" }
`,
      ["-e", "who=cli", "-e", '{"n": 41}', "-e", `@${join(dir, "extra.yml")}`],
    );
    expect(res.stdout).toContain('"msg": "cli 42 yes-file"');
  });

  test("no_log hides results and the secret never reaches the output", async () => {
    const res = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: secret command
      command: "echo {{ token }}"
      no_log: true
      register: r
    - name: loop with no_log
      debug: { msg: "{{ item }}" }
      loop: ["{{ token }}"]
      no_log: true
`,
      ["-vvv", "-e", "token=s3cr3t-value-123"],
    );
    expect(res.code).toBe(0);
    expect(res.stdout + res.stderr).not.toContain("s3cr3t-value-123");
    expect(res.stdout).toContain("no_log: true");
  });
});

describe("run options", () => {
  test("--diff shows a unified diff before the changed line; check_mode: false runs for real in --check", async () => {
    writeFileSync(join(dir, "diffme.conf"), "a=1\nb=2\n");
    const res = await play(
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: edit
      lineinfile: { path: BASE/diffme.conf, regexp: "^b=", line: "b=3" }
    - name: always real
      copy: { content: "real\\n", dest: BASE/real-even-in-check }
      check_mode: false
`,
      ["--check", "--diff"],
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      /--- before: .*diffme\.conf \(content\)\n\+\+\+ after: .*diffme\.conf \(content\)\n@@ -1,2 \+1,2 @@\n a=1\n-b=2\n\+b=3\n/,
    );
    expect(readFileSync(join(dir, "diffme.conf"), "utf8")).toBe("a=1\nb=2\n");
    expect(readFileSync(join(dir, "real-even-in-check"), "utf8")).toBe("real\n");
  });

  test("--limit, vars_files, delegate_to localhost", async () => {
    writeFileSync(join(dir, "vf.yml"), "colour: blue\n");
    const res = await play(
      `
- hosts: all
  gather_facts: false
  vars_files: [BASE/vf.yml]
  tasks:
    - copy: { content: "{{ colour }}\\n", dest: "BASE/vf-{{ inventory_hostname }}" }
      delegate_to: localhost
`,
      ["--limit", "h2"],
      ["h1", "h2"],
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("changed: [h2 -> localhost]");
    expect(readFileSync(join(dir, "vf-h2"), "utf8")).toBe("blue\n");
    expect(existsSync(join(dir, "vf-h1"))).toBe(false);
  });

  test("--syntax-check and --list-tasks load without touching hosts; a parse error exits 4", async () => {
    const yaml = `
- hosts: all
  gather_facts: false
  tasks:
    - { name: one, file: { path: BASE/never-made, state: directory }, tags: [t1] }
`;
    const syntax = await play(yaml, ["--syntax-check"]);
    expect(syntax.code).toBe(0);
    expect(syntax.stdout).toMatch(/playbook: .*play\d+\.yml/);
    const list = await play(yaml, ["--list-tasks"]);
    expect(list.stdout).toMatch(/one\tTAGS: \[t1\]/);
    expect(existsSync(join(dir, "never-made"))).toBe(false);
    const broken = await play("- hosts: all\n  tasks:\n    - copyy: {}\n", ["--syntax-check"]);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toMatch(/play\d+\.yml:3:7: unknown module or task keyword 'copyy'/);
    expect(broken.stderr).toMatch(/\^/);
  });
});

describe("--step", () => {
  test("asks before each task: n skips it, c runs it and every later task unasked", async () => {
    const file = join(dir, "step.yml");
    writeFileSync(
      file,
      "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - { name: first, debug: { msg: one } }\n    - { name: second, debug: { msg: two } }\n    - { name: third, debug: { msg: three } }\n",
    );
    const res = await tsible(["run", file, "--step"], { stdin: "n\nc\n" });
    expect(res.code).toBe(0);
    expect(res.stderr.match(/Perform task: TASK: \w+ \(N\)o\/\(y\)es\/\(c\)ontinue:/g)).toHaveLength(2);
    expect(taskStatuses(res.stdout).map((t) => t.task)).toEqual(["second", "third"]);
  });
});
