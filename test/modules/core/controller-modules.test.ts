import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TsibleError } from "../../../src/errors.js";
import { assertModule } from "../../../src/modules/assert.js";
import { debugModule } from "../../../src/modules/debug.js";
import { failModule } from "../../../src/modules/fail.js";
import { findModule } from "../../../src/modules/registry.js";
import { setFactModule } from "../../../src/modules/set_fact.js";
import { statModule } from "../../../src/modules/stat.js";
import { run, tempDir } from "./fixtures.js";

describe("stat", () => {
  it("reports a file like Ansible, with a sha1 checksum by default", async () => {
    const dir = tempDir();
    const path = join(dir, "f");
    writeFileSync(path, "hi\n");
    chmodSync(path, 0o640);
    const result = await run(statModule, { path });
    expect(result.changed).toBe(false);
    expect(result.stat).toMatchObject({
      exists: true,
      path,
      mode: "0640",
      isreg: true,
      isdir: false,
      islnk: false,
      size: 3,
      rusr: true,
      wusr: true,
      xusr: false,
      rgrp: true,
      wgrp: false,
      roth: false,
      checksum: "55ca6286e3e4f4fba5d0448333fa99fc5a404a73",
    });
    const sha256 = await run(statModule, { path, checksum_algorithm: "sha256" });
    expect((sha256.stat as { checksum: string }).checksum).toHaveLength(64);
  });

  it("reports links (lnk_target, lnk_source) unless follow, and missing paths", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "d"));
    symlinkSync("d", join(dir, "l"));
    const link = await run(statModule, { path: join(dir, "l") });
    expect(link.stat).toMatchObject({
      islnk: true,
      lnk_target: "d",
      lnk_source: join(dir, "d"),
      mode: "0777",
    });
    const followed = await run(statModule, { path: join(dir, "l"), follow: true });
    expect(followed.stat).toMatchObject({ isdir: true, islnk: false });
    expect(await run(statModule, { path: join(dir, "nope") })).toEqual({
      changed: false,
      stat: { exists: false },
    });
    await expect(run(statModule, { path: dir, checksum_algorithm: "crc32" })).rejects.toThrow();
  });
});

describe("debug", () => {
  it("prints msg, Hello world! by default, and var under its own text", async () => {
    expect(await run(debugModule, { msg: ["a", 1] })).toEqual({ changed: false, msg: ["a", 1] });
    expect(await run(debugModule, {})).toEqual({ changed: false, msg: "Hello world!" });
    const vars = { answer: 42 };
    expect(await run(debugModule, { var: "answer" }, { vars })).toEqual({ changed: false, answer: 42 });
    expect(await run(debugModule, { var: "{{ answer }}" }, { vars })).toEqual({
      changed: false,
      "{{ answer }}": 42,
    });
    expect(await run(debugModule, { var: "missing" })).toEqual({
      changed: false,
      missing: "VARIABLE IS NOT DEFINED!",
    });
  });

  it("skips below its verbosity and refuses msg with var", async () => {
    expect(await run(debugModule, { msg: "x", verbosity: 2 }, { verbosity: 1 })).toMatchObject({
      skipped: true,
      skipped_reason: "Verbosity threshold not met.",
    });
    expect(await run(debugModule, { msg: "x", verbosity: "2" }, { verbosity: 2 })).toMatchObject({
      msg: "x",
    });
    expect(await run(debugModule, { msg: "x", var: "y" })).toMatchObject({ failed: true });
    expect(debugModule.rawArgs).toEqual(["var"]);
  });

  it("lets other evaluation errors through", async () => {
    const boom = () => {
      throw new TsibleError("bad expression", { kind: "expression" });
    };
    await expect(run(debugModule, { var: "x +" }, { evaluate: boom })).rejects.toThrow("bad expression");
  });
});

describe("assert", () => {
  const condition = (expression: string | boolean) =>
    typeof expression === "boolean" ? expression : expression === "ok" || expression === "also ok";

  it("passes when every condition holds", async () => {
    expect(await run(assertModule, { that: ["ok", "also ok", true] }, { condition })).toEqual({
      changed: false,
      msg: "All assertions passed",
    });
    expect(await run(assertModule, { that: "ok", success_msg: "fine" }, { condition })).toMatchObject({
      msg: "fine",
    });
  });

  it("fails on the first condition that does not hold, with fail_msg or msg", async () => {
    expect(await run(assertModule, { that: ["ok", "broken", "other"] }, { condition })).toEqual({
      changed: false,
      failed: true,
      evaluated_to: false,
      assertion: "broken",
      msg: "Assertion failed",
    });
    expect(await run(assertModule, { that: "broken", msg: "custom" }, { condition })).toMatchObject({
      msg: "custom",
    });
    expect(
      await run(assertModule, { that: "broken", fail_msg: "first", msg: "second" }, { condition }),
    ).toMatchObject({
      msg: "first",
    });
    await expect(run(assertModule, { fail_msg: "x" }, { condition })).rejects.toThrow(/that/);
    expect(assertModule.rawArgs).toEqual(["that"]);
  });
});

describe("fail and set_fact", () => {
  it("fail fails with its message", async () => {
    expect(await run(failModule, {})).toEqual({
      changed: false,
      failed: true,
      msg: "Failed as requested from task",
    });
    expect(await run(failModule, { msg: "stop" })).toMatchObject({ failed: true, msg: "stop" });
  });

  it("set_fact returns ansible_facts, turning yes/no words into booleans like Ansible", async () => {
    const result = await run(setFactModule, { a: 1, b: "yes", c: "No", d: "text", cacheable: true });
    expect(result).toEqual({
      changed: false,
      ansible_facts: { a: 1, b: true, c: false, d: "text" },
      _ansible_facts_cacheable: true,
    });
    expect(await run(setFactModule, { "bad-name": 1 })).toMatchObject({
      failed: true,
      msg: expect.stringContaining("The variable name 'bad-name' is not valid"),
    });
    await expect(run(setFactModule, {})).rejects.toThrow();
  });
});

describe("registry", () => {
  it("finds every core module, with ansible.builtin. names too", () => {
    for (const name of [
      "file",
      "copy",
      "template",
      "lineinfile",
      "command",
      "shell",
      "stat",
      "debug",
      "assert",
      "fail",
      "set_fact",
    ]) {
      expect(findModule(name)?.name).toBe(name);
      expect(findModule(`ansible.builtin.${name}`)?.name).toBe(name);
    }
  });
});
