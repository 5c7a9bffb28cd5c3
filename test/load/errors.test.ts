import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { isTsibleError, type TsibleError } from "../../src/errors.js";
import { loadPlaybook } from "../../src/load/playbook.js";

const dir = mkdtempSync(join(tmpdir(), "tsible-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadError(text: string, name = "play.yml"): TsibleError {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    loadPlaybook(file);
  } catch (err) {
    if (isTsibleError(err)) return err;
    throw err;
  }
  throw new Error("expected the playbook to be refused");
}

const play = (tasks: string) => `- hosts: all\n  tasks:\n${tasks}`;

describe("malformed playbooks are refused with file:line:col", () => {
  test.each([
    {
      what: "a YAML syntax error",
      text: "- hosts: all\n  tasks:\n    - name: x\n     file: path=/tmp\n",
      message: /YAML syntax error/,
      line: 4,
    },
    {
      what: "a duplicate key",
      text: play("    - name: a\n      name: b\n      file: path=/tmp/x\n"),
      message: /YAML syntax error: Map keys must be unique/,
      line: 4,
      hint: /once/,
    },
    {
      what: "an unknown module, with a suggestion",
      text: play("    - name: typo\n      copyy:\n        dest: /tmp/x\n"),
      message: /unknown module or task keyword 'copyy'/,
      line: 4,
      col: 7,
      hint: /did you mean 'copy'/,
    },
    {
      what: "a misspelt task keyword",
      text: play("    - name: typo\n      file: path=/tmp/x state=directory\n      whenn: true\n"),
      message: /unknown module or task keyword 'whenn'/,
      line: 5,
      hint: /did you mean 'when'/,
    },
    {
      what: "two modules in one task",
      text: play("    - file: path=/tmp/x state=directory\n      copy: content=a dest=/tmp/y\n"),
      message: /conflicting action statements: file, copy/,
      line: 4,
    },
    {
      what: "a task with no module",
      text: play("    - name: nothing\n      when: true\n"),
      message: /no module or action found/,
      line: 3,
    },
    {
      what: "a wrong keyword type",
      text: play("    - file: path=/tmp/x state=directory\n      register: [a]\n"),
      message: /'register' must be string/,
      line: 4,
    },
    {
      what: "an unknown play keyword",
      text: "- hosts: all\n  taks: []\n",
      message: /play: unknown option 'taks'/,
      line: 2,
      hint: /did you mean 'tasks'/,
    },
    {
      what: "a play without hosts",
      text: "- name: no hosts\n  tasks: []\n",
      message: /play has no 'hosts'/,
      line: 1,
    },
    {
      what: "a playbook that is not a list",
      text: "hosts: all\n",
      message: /a playbook must be a list of plays/,
      line: 1,
    },
    {
      what: "a missing role",
      text: "- hosts: all\n  roles:\n    - nope\n",
      message: /role 'nope' not found/,
      line: 3,
    },
    {
      what: "an unknown meta action",
      text: play("    - meta: flush_handler\n"),
      message: /unknown meta action 'flush_handler'/,
      hint: /flush_handlers/,
      line: 3,
    },
    {
      what: "a loop on a static import",
      text: play("    - import_tasks: x.yml\n      loop: [1]\n"),
      message: /import_tasks cannot be used with loops/,
      line: 4,
    },
  ])("$what", ({ text, message, line, col, hint }) => {
    const err = loadError(text);
    expect(err.message).toMatch(message);
    expect(err.location?.file).toBe(join(dir, "play.yml"));
    expect(err.location?.line).toBe(line);
    if (col !== undefined) expect(err.location?.col).toBe(col);
    if (hint) expect(err.hint).toMatch(hint);
  });

  test("an alias bomb is refused instead of exhausting memory", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const err = loadError(`- hosts: all\n  vars:\n${levels.map((l) => `    ${l}`).join("\n")}\n`, "bomb.yml");
    expect(err.message).toMatch(/too many (nodes|aliases)|alias/i);
  });
});

describe("YAML 1.1 as Ansible reads it", () => {
  test("yes/no are booleans, 0644 is octal, merge keys merge", () => {
    const file = join(dir, "yaml11.yml");
    writeFileSync(
      file,
      "- hosts: all\n  vars:\n    on_flag: yes\n    off_flag: no\n    mode: 0644\n    base: &b {a: 1, b: 2}\n    merged:\n      <<: *b\n      b: 3\n  tasks: []\n",
    );
    const vars = loadPlaybook(file).plays[0]!.vars;
    expect(vars).toMatchObject({ on_flag: true, off_flag: false, mode: 0o644, merged: { a: 1, b: 3 } });
  });
});

describe("booleans as PyYAML reads them", () => {
  test("y and n stay strings; yes, on, true are booleans", () => {
    const file = join(dir, "bools.yml");
    writeFileSync(
      file,
      "- hosts: all\n  vars: { y: 2, a: y, b: n, c: On, d: 'yes', e: TRUE }\n  tasks: []\n",
    );
    expect(loadPlaybook(file).plays[0]!.vars).toEqual({ y: 2, a: "y", b: "n", c: true, d: "yes", e: true });
  });
});
