import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENV_KEY_PASSPHRASE, openSsh } from "../../src/connection/ssh/index.js";
import { rejectionOf, sshOptionsFor } from "../helpers/ssh-connect.js";
import {
  type KeyPair,
  makeKeyPair,
  PW_USER_PASSWORD,
  type Sshd,
  sshdSkipReason,
  startSshd,
  TEST_USERS,
} from "../helpers/sshd.js";

const skip = sshdSkipReason();

describe.skipIf(skip)("ssh authentication against a real sshd", () => {
  let sshd: Sshd;
  let agentKey: KeyPair;
  let lockedKey: KeyPair;
  let stranger: KeyPair;
  let agent: ChildProcess | undefined;
  let agentDir: string;
  const passphrase = "correct horse battery";

  beforeAll(async () => {
    agentKey = makeKeyPair("agent");
    lockedKey = makeKeyPair("locked", { passphrase });
    stranger = makeKeyPair("stranger");
    sshd = await startSshd({ authorizedKeys: [agentKey.publicLine, lockedKey.publicLine] });
    agentDir = mkdtempSync(join(tmpdir(), "tsible-agent-"));
  });
  afterAll(async () => {
    agent?.kill();
    rmSync(agentDir, { recursive: true, force: true });
    await sshd?.stop();
  });

  it("logs in with a key file", async () => {
    const conn = await openSsh(sshOptionsFor(sshd, TEST_USERS.nopw));
    expect((await conn.exec("id -un")).stdout).toBe(`${TEST_USERS.nopw}\n`);
    await conn.close();
  });

  it("logs in through a real ssh-agent", async () => {
    const socket = join(agentDir, "agent.sock");
    agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
    for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync("ssh-add", ["-q", agentKey.privateKey], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    const conn = await openSsh(sshOptionsFor(sshd, "root", { privateKeys: [], agent: socket }));
    expect((await conn.exec("echo via agent")).stdout).toBe("via agent\n");
    await conn.close();
  });

  it("decrypts a passphrase-protected key from the environment variable or the prompt", async () => {
    process.env[ENV_KEY_PASSPHRASE] = passphrase;
    try {
      const conn = await openSsh(sshOptionsFor(sshd, "root", { privateKeys: [lockedKey.privateKey] }));
      expect((await conn.exec("echo env")).stdout).toBe("env\n");
      await conn.close();
    } finally {
      delete process.env[ENV_KEY_PASSPHRASE];
    }
    const asked: string[] = [];
    const copy = makeKeyPair("locked-copy", { passphrase });
    const sshd2 = await startSshd({ authorizedKeys: [copy.publicLine] });
    try {
      const conn = await openSsh(
        sshOptionsFor(sshd2, "root", {
          privateKeys: [copy.privateKey],
          askPassphrase: async (file) => {
            asked.push(file);
            return passphrase;
          },
        }),
      );
      expect((await conn.exec("echo prompt")).stdout).toBe("prompt\n");
      await conn.close();
    } finally {
      await sshd2.stop();
    }
    expect(asked).toEqual([copy.privateKey]);
  });

  it("refuses an encrypted key without a passphrase, and a wrong one, without leaking it", async () => {
    const none = await rejectionOf(
      openSsh(sshOptionsFor(sshd, "root", { privateKeys: [lockedKey.privateKey] })),
    );
    expect(none.kind).toBe("connection");
    expect(none.message).toMatch(/encrypted and no passphrase/);
    expect(none.hint).toContain(ENV_KEY_PASSPHRASE);
    const wrong = await rejectionOf(
      openSsh(sshOptionsFor(sshd, "root", { privateKeys: [lockedKey.privateKey], passphrase: "nope-nope" })),
    );
    expect(wrong.message).toMatch(/cannot decrypt/);
    expect(wrong.message).not.toContain("nope-nope");
  });

  it("logs in with a password (ansible_password)", async () => {
    const conn = await openSsh(
      sshOptionsFor(sshd, TEST_USERS.pw, { privateKeys: [], password: PW_USER_PASSWORD }),
    );
    expect((await conn.exec("id -un")).stdout).toBe(`${TEST_USERS.pw}\n`);
    await conn.close();
  });

  it("says which methods were tried when authentication fails", async () => {
    const err = await rejectionOf(
      openSsh(sshOptionsFor(sshd, TEST_USERS.pw, { privateKeys: [stranger.privateKey], password: "bad" })),
    );
    expect(err.kind).toBe("connection");
    expect(err.message).toContain(`${TEST_USERS.pw}@${sshd.host}:${sshd.port}`);
    expect(err.message).toMatch(/authentication failed: tried publickey \(.*stranger.*\), password/);
    expect(err.message).toMatch(/the server accepts: .*publickey/);
    expect(err.message).not.toContain("bad,");
  });

  it("names host, port and reason for an unreachable host", async () => {
    const refused = await rejectionOf(openSsh({ ...sshOptionsFor(sshd, "root"), port: 1 }));
    expect(refused.kind).toBe("connection");
    expect(refused.message).toMatch(new RegExp(`${sshd.host}:1.*connection refused`));
    const dns = await rejectionOf(openSsh({ ...sshOptionsFor(sshd, "root"), host: "no-such-host.invalid" }));
    expect(dns.message).toMatch(/no-such-host\.invalid:\d+: the host name does not resolve/);
  });

  it("times out on a server that never answers", async () => {
    const { createServer } = await import("node:net");
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const err = await rejectionOf(openSsh({ ...sshOptionsFor(sshd, "root"), port, connectTimeoutMs: 500 }));
      expect(err.kind).toBe("connection");
      expect(err.message).toMatch(/timed out after 500 ms/);
    } finally {
      silent.close();
    }
  });
});
