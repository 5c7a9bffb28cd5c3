/**
 * `npm run build` compiles every keyword and module schema ahead (scripts/compile-validators.mjs) so
 * a run does not compile them at start. These tests keep that true as schemas change: every schema
 * has its validator, and each judges values exactly as a freshly compiled one does.
 */

import { existsSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import {
  AJV_OPTIONS,
  blockKeywords,
  objectSchema,
  playKeywords,
  schemaKey,
  taskKeywords,
} from "../../src/load/schemas.js";
import { findModule, moduleNames } from "../../src/modules/registry.js";
import { ROOT } from "../helpers/cli.js";

const GENERATED = `${ROOT}dist/load/validators.generated.js`;

const schemas: Array<[string, Record<string, unknown>]> = [
  ["play", objectSchema(playKeywords)],
  ["block", objectSchema(blockKeywords)],
  ["task", objectSchema(taskKeywords)],
  ...moduleNames().map((n): [string, Record<string, unknown>] => [`module ${n}`, findModule(n)!.schema]),
];

describe("validators compiled at build time", () => {
  it("exist for every keyword and module schema of this source tree", async () => {
    expect(existsSync(GENERATED), "run npm run build").toBe(true);
    const { validators } = (await import(GENERATED)) as { validators: Record<string, ValidateFunction> };
    const missing = schemas.filter(([, s]) => !validators[schemaKey(s)]).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it("accept and reject what a freshly compiled validator does, with the same first error", async () => {
    const { validators } = (await import(GENERATED)) as { validators: Record<string, ValidateFunction> };
    const ajv = new Ajv(AJV_OPTIONS);
    const samples: Array<[string, unknown]> = [
      ["task", { name: "x", when: "a", loop: [1], register: "r", become: "{{ b }}" }],
      ["task", { name: "x", regsiter: "r" }],
      ["task", { register: "1bad" }],
      ["task", { loop_control: { label: "x", nope: 1 } }],
      ["play", { hosts: "all", gather_facts: false, tasks: [] }],
      ["play", { hosts: 3 }],
      ["block", { block: [], rescue: null, when: true }],
      ["module copy", { src: "a", dest: "/b", mode: "0644" }],
      ["module copy", { dest: "/b", mdoe: "0644" }],
      ["module file", { path: "/x", state: "sideways" }],
      ["module lineinfile", { path: "/x", line: "y", regexp: "^y" }],
      ["module command", {}],
      // minLength counts characters: the build's own helper must agree with ajv's
      ["module docker_login", { registry: "", username: "u", password: "p" }],
      ["module docker_login", { registry: "\u{1F433}", username: "\ud83d", password: "p" }],
    ];
    for (const [name, value] of samples) {
      const schema = schemas.find(([n]) => n === name)![1];
      const fresh = ajv.compile(schema);
      const built = validators[schemaKey(schema)]!;
      expect(built(value), `${name} ${JSON.stringify(value)}`).toBe(fresh(value));
      expect(built.errors?.[0] ?? null).toEqual(fresh.errors?.[0] ?? null);
    }
  });
});
