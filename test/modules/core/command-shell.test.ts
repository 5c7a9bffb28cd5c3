import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { commandModule } from "../../../src/modules/command.js";
import { parseFreeForm } from "../../../src/modules/common/free-form.js";
import { fileModule } from "../../../src/modules/file.js";
import { shellModule } from "../../../src/modules/shell.js";
import { run, tempDir } from "./fixtures.js";

const known = (module: { schema: Record<string, unknown> }) =>
  Object.keys(module.schema.properties as Record<string, unknown>);

/** The arguments the engine would pass for `command: <text>`. */
const freeForm = (module: typeof commandModule | typeof shellModule, text: string) =>
  parseFreeForm(text, "command", known(module));

describe("command", () => {
  it("runs words without a shell: pipes are arguments, $VARS and ~ expand as in Ansible", async () => {
    const result = await run(
      commandModule,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      freeForm(commandModule, 'echo "a b" | cat $HOME ~ ${NOPE_TSIBLE}'),
    );
    expect(result).toMatchObject({
      changed: true,
      rc: 0,
      stdout: `a b | cat ${process.env.HOME} ${process.env.HOME} \${NOPE_TSIBLE}`,
      stderr: "",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      cmd: ["echo", "a b", "|", "cat", "$HOME", "~", "${NOPE_TSIBLE}"],
      msg: "",
    });
    expect(result.stdout_lines).toEqual([result.stdout]);
    expect(String(result.start)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
    expect(String(result.delta)).toMatch(/^0:00:0\d(\.\d{6})?$/);
  });

  it("argv is passed word for word, quotes and all", async () => {
    const result = await run(commandModule, { argv: ["printf", "%s|", "it's", "a;b", "$(x)"] });
    expect(result.stdout).toBe("it's|a;b|$(x)|");
  });

  it("a non-zero exit fails the task with its output", async () => {
    const result = await run(commandModule, { cmd: "ls /nonexistent-tsible" });
    expect(result).toMatchObject({ failed: true, changed: true, rc: 2, msg: "non-zero return code" });
    expect((result.stderr_lines as string[]).length).toBeGreaterThan(0);
  });

  it("chdir, stdin (with its newline) and strip of trailing newlines", async () => {
    const dir = tempDir();
    const pwd = await run(commandModule, { _raw_params: "pwd", chdir: dir });
    expect(pwd.stdout).toBe(dir);
    const cat = await run(commandModule, { _raw_params: "od -c", stdin: "x" });
    expect(String(cat.stdout)).toContain("x  \\n");
    const raw = await run(commandModule, { _raw_params: "od -c", stdin: "x", stdin_add_newline: false });
    expect(String(raw.stdout)).not.toContain("\\n");
    const missing = await run(commandModule, { _raw_params: "pwd", chdir: join(dir, "nope") });
    expect(missing.msg).toBe(
      `Unable to change directory before execution: [Errno 2] No such file or directory: b'${join(dir, "nope")}'`,
    );
  });

  it("creates and removes decide whether it runs, relative to chdir and with globs", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "done.flag"), "");
    const skipped = await run(
      commandModule,
      freeForm(commandModule, `touch ran creates=done.flag chdir=${dir}`),
    );
    expect(skipped).toMatchObject({
      changed: false,
      rc: 0,
      msg: "Did not run command since 'done.flag' exists",
      stdout: "skipped, since done.flag exists",
    });
    const glob = await run(commandModule, { _raw_params: "touch ran", creates: "*.flag", chdir: dir });
    expect(glob.changed).toBe(false);
    const removes = await run(commandModule, { _raw_params: "true", removes: join(dir, "*.nothing") });
    expect(removes).toMatchObject({
      changed: false,
      msg: `Did not run command since '${join(dir, "*.nothing")}' does not exist`,
    });
    expect(existsSync(join(dir, "ran"))).toBe(false);
  });

  it("check mode: skipped without creates/removes, exact with them, and never runs", async () => {
    const dir = tempDir();
    const marker = join(dir, "marker");
    const plain = await run(commandModule, { _raw_params: `touch ${marker}` }, { check: true });
    expect(plain).toMatchObject({
      changed: false,
      skipped: true,
      msg: "Command would have run if not in check mode",
    });
    const predicted = await run(
      commandModule,
      { _raw_params: `touch ${marker}`, creates: marker },
      { check: true },
    );
    expect(predicted).toMatchObject({ changed: true, rc: 0 });
    expect(existsSync(marker)).toBe(false);
    const real = await run(commandModule, { _raw_params: `touch ${marker}`, creates: marker });
    expect(real.changed).toBe(predicted.changed);
    const again = await run(
      commandModule,
      { _raw_params: `touch ${marker}`, creates: marker },
      { check: true },
    );
    expect(again).toMatchObject({ changed: false, msg: `Would not run command since '${marker}' exists` });
  });

  it("check mode sees files an earlier task would create", async () => {
    const dir = tempDir();
    const overlay = new CheckOverlay();
    await run(fileModule, { path: join(dir, "made"), state: "touch" }, { check: true, overlay });
    const result = await run(
      commandModule,
      { _raw_params: "false", creates: join(dir, "made") },
      { check: true, overlay },
    );
    expect(result.changed).toBe(false);
  });

  it("rejects a missing command, both forms at once, and unknown options", async () => {
    expect(await run(commandModule, {})).toMatchObject({ failed: true, rc: 256, msg: "no command given" });
    expect(await run(commandModule, { cmd: "ls", argv: ["ls"] })).toMatchObject({
      msg: "only command or argv can be given, not both",
    });
    await expect(run(commandModule, { cmd: "ls", executable: "/bin/bash" })).rejects.toThrow(/executable/);
  });
});

describe("shell", () => {
  it("runs through sh with pipes, redirections and variables; cmd is the text", async () => {
    const result = await run(shellModule, freeForm(shellModule, "echo err >&2; printf 'a\\nb\\n' | sort -r"));
    expect(result).toMatchObject({ rc: 0, stdout: "b\na", stdout_lines: ["b", "a"], stderr: "err" });
    expect(result.cmd).toBe("echo err >&2; printf 'a\\nb\\n' | sort -r");
  });

  it("honours executable and reports a failing exit", async () => {
    const bash = await run(shellModule, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
      _raw_params: "echo ${BASH_VERSION:+bash}",
      executable: "/bin/bash",
    });
    expect(bash.stdout).toBe("bash");
    const failed = await run(shellModule, { _raw_params: "echo err >&2; exit 3" });
    expect(failed).toMatchObject({
      failed: true,
      changed: true,
      rc: 3,
      stderr: "err",
      stderr_lines: ["err"],
    });
  });

  it("takes creates/removes/chdir out of the free-form text wherever they stand", async () => {
    const dir = tempDir();
    const args = freeForm(shellModule, `echo hi > out.txt chdir=${dir} creates=out.txt`);
    expect(args).toEqual({ _raw_params: "echo hi > out.txt", chdir: dir, creates: "out.txt" });
    expect((await run(shellModule, args)).changed).toBe(true);
    expect((await run(shellModule, args)).changed).toBe(false);
  });
});
