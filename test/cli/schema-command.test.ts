import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, describe, expect, test } from "vitest";
import { parseYaml } from "../../src/load/yaml.js";
import { ROOT, tsible } from "../helpers/cli.js";

const out = mkdtempSync(join(tmpdir(), "tsible-schema-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function schemaFile(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, "schemas", name), "utf8")) as Record<string, unknown>;
}

function validator(name: string) {
  const ajv = new Ajv({ strict: false, allowUnionTypes: true });
  return ajv.compile(schemaFile(name));
}

describe("tsible schema", () => {
  test("the committed schemas are what the command generates now", async () => {
    const res = await tsible(["schema", "--out", out]);
    expect(res.code, res.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(["inventory.schema.json", "playbook.schema.json", "tasks.schema.json"]);
    for (const f of files)
      expect(readFileSync(join(out, f), "utf8"), `schemas/${f} is stale: run node bin/tsible.js schema`).toBe(
        readFileSync(join(ROOT, "schemas", f), "utf8"),
      );
  });

  test("module names and options are completable, with ansible.builtin. names", () => {
    const defs = schemaFile("tasks.schema.json").definitions as Record<string, Record<string, unknown>>;
    const taskProps = defs.task?.properties as Record<string, unknown>;
    for (const key of ["file", "ansible.builtin.file", "when", "loop", "notify", "include_tasks"])
      expect(taskProps, key).toHaveProperty([key]);
    const fileOptions = JSON.stringify(defs.module_file);
    for (const option of ['"path"', '"state"', '"mode"']) expect(fileOptions).toContain(option);
  });

  test("the compat playbooks validate, and typos are caught", () => {
    const validate = validator("playbook.schema.json");
    const fixtures = join(ROOT, "test/fixtures/compat");
    for (const f of ["files.yml", "handlers.yml", "loops.yml", "roles.yml", "blocks.yml"]) {
      const ok = validate(parseYaml(readFileSync(join(fixtures, f), "utf8"), f));
      expect(ok, `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    const typoKeyword = parseYaml(
      "- hosts: all\n  tasks:\n    - file: { path: /x }\n      whenn: true\n",
      "t.yml",
    );
    expect(validate(typoKeyword)).toBe(false);
    const typoOption = parseYaml("- hosts: all\n  tasks:\n    - file: { pth: /x }\n", "t.yml");
    expect(validate(typoOption)).toBe(false);
    const templated = parseYaml(
      '- hosts: all\n  tasks:\n    - file: { path: /x, follow: "{{ f }}" }\n',
      "t.yml",
    );
    expect(validate(templated), JSON.stringify(validate.errors?.slice(0, 2))).toBe(true);
  });

  test("YAML inventories validate", () => {
    const validate = validator("inventory.schema.json");
    const inv = parseYaml(
      "all:\n  children:\n    web:\n      hosts:\n        w1: { ansible_host: 127.0.0.2 }\n",
      "h.yml",
    );
    expect(validate(inv)).toBe(true);
    expect(validate(parseYaml("all:\n  hostz: {}\n", "h.yml"))).toBe(false);
  });
});
