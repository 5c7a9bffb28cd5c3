import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SshConnection } from "../../src/connection/ssh/index.js";
import type { BecomeSpec } from "../../src/connection/types.js";
import { connectTo, rejectionOf } from "../helpers/ssh-connect.js";
import { PW_USER_PASSWORD, type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";

const skip = sshdSkipReason();
const toRoot = (password?: string): BecomeSpec => ({
  user: "root",
  method: "sudo",
  ...(password === undefined ? {} : { password }),
});

describe.skipIf(skip)("become over ssh against a real sshd", () => {
  let sshd: Sshd;
  let root: SshConnection;
  let nopw: SshConnection;
  let pw: SshConnection;
  let nosudo: SshConnection;

  beforeAll(async () => {
    sshd = await startSshd();
    [root, nopw, pw, nosudo] = await Promise.all([
      connectTo(sshd, "root"),
      connectTo(sshd, TEST_USERS.nopw),
      connectTo(sshd, TEST_USERS.pw),
      connectTo(sshd, TEST_USERS.nosudo),
    ]);
  });
  afterAll(async () => {
    await Promise.all([root, nopw, pw, nosudo].map((c) => c?.close()));
    await sshd?.stop();
  });

  it("becomes root with NOPASSWD sudo, keeping stdin, cwd and env", async () => {
    expect((await nopw.exec("id -un")).stdout).toBe(`${TEST_USERS.nopw}\n`);
    const r = await nopw.exec('id -un; pwd; echo "$X"; cat', {
      become: toRoot(),
      cwd: "/tmp",
      env: { X: "x value" },
      stdin: "input\n",
    });
    expect(r).toMatchObject({ rc: 0, stdout: "root\n/tmp\nx value\ninput\n", stderr: "" });
  });

  it("becomes root with a password sent on stdin, never reaching the command", async () => {
    const r = await pw.exec("id -un; cat; echo HOME=$HOME", {
      become: toRoot(PW_USER_PASSWORD),
      stdin: "data\n",
    });
    expect(r.rc).toBe(0);
    expect(r.stdout).toBe("root\ndata\nHOME=/root\n");
    expect(r.stderr).toBe("");
    expect(r.stdout + r.stderr).not.toContain(PW_USER_PASSWORD);
  });

  it("does not leak a password sudo did not ask for into the command's stdin", async () => {
    const r = await nopw.exec("cat", { become: toRoot("unneeded-secret"), stdin: "only this" });
    expect(r.stdout).toBe("only this");
    const fromRoot = await root.exec("id -un; cat", {
      become: { user: TEST_USERS.nopw, method: "sudo", password: "x" },
    });
    expect(fromRoot.stdout).toBe(`${TEST_USERS.nopw}\n`);
  });

  it("keeps the wrapped command's own exit code and output", async () => {
    const r = await pw.exec("echo out; echo err >&2; exit 5", { become: toRoot(PW_USER_PASSWORD) });
    expect(r).toMatchObject({ rc: 5, stdout: "out\n", stderr: "err\n" });
  });

  it("says a password is required when sudo asks for one and none was given", async () => {
    const err = await rejectionOf(pw.exec("id", { become: toRoot() }));
    expect(err.kind).toBe("module");
    expect(err.message).toMatch(/sudo needs a password to become root/);
    expect(err.hint).toMatch(/--ask-become-pass/);
  });

  it("says the become password is wrong", async () => {
    const err = await rejectionOf(pw.exec("id", { become: toRoot("wrong-password") }));
    expect(err.message).toMatch(/wrong become password/);
    expect(err.message).not.toContain("wrong-password");
  }, 30_000);

  it("says the user is not in the sudoers file", async () => {
    const err = await rejectionOf(nosudo.exec("id", { become: toRoot(PW_USER_PASSWORD) }));
    expect(err.kind).toBe("module");
    expect(err.message).toMatch(/sudo refused to become root.*not in the sudoers file/);
  });

  it("writes files as the become user through the shell transport", async () => {
    const { becomeFiles } = await import("../../src/connection/shell-files.js");
    const files = becomeFiles(pw, toRoot(PW_USER_PASSWORD));
    const path = `/root/tsible-become-${process.pid}`;
    await files.writeFile(path, Buffer.from("secret content\n"), { mode: 0o600 });
    expect(await files.stat(path)).toMatchObject({ uid: 0, mode: 0o600, size: 15 });
    expect((await root.exec(`cat ${path}`)).stdout).toBe("secret content\n");
    await files.remove(path);
    expect(await pw.files.stat(path).catch((e: Error) => e.message)).toMatch(/Permission denied|denied/i);
  });
});
