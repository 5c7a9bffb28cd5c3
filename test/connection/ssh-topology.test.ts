import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSsh, resolveSshOptions } from "../../src/connection/ssh/index.js";
import { isTsibleError } from "../../src/errors.js";
import { connectTo, sshOptionsFor } from "../helpers/ssh-connect.js";
import { type Sshd, sshdSkipReason, startSshd, startSshds } from "../helpers/sshd.js";

const skip = sshdSkipReason();

describe.skipIf(skip)("ssh connections: jump hosts, lost connections, fleets", () => {
  const started: Sshd[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it("reaches a host through a ProxyJump sshd", async () => {
    const [jump, target] = await startSshds(2, 2);
    started.push(jump!, target!);
    const conn = await openSsh(sshOptionsFor(target!, "root", { jump: [sshOptionsFor(jump!, "root")] }));
    expect((await conn.exec("echo $SSH_CONNECTION")).stdout).toMatch(
      new RegExp(` ${target!.host} ${target!.port}\\n$`),
    );
    expect((await conn.files.stat("/"))?.type).toBe("directory");
    // The target's traffic really flows through the jump: cutting the jump's sessions drops it.
    jump!.killSessions();
    const err = await conn.exec("true").catch((e: unknown) => e);
    expect(isTsibleError(err) && err.kind).toBe("connection");
    await conn.close();
  });

  it("follows ~/.ssh/config aliases, including a ProxyJump alias, from inventory variables", async () => {
    const [jump, target] = await startSshds(2, 4);
    started.push(jump!, target!);
    const dir = mkdtempSync(join(tmpdir(), "tsible-sshcfg-"));
    try {
      const config = join(dir, "config");
      writeFileSync(
        config,
        [
          "Host app",
          `  HostName ${target!.host}`,
          `  Port ${target!.port}`,
          "  ProxyJump bastion",
          "Host bastion",
          `  HostName ${jump!.host}`,
          `  Port ${jump!.port}`,
          "Host *",
          "  User root",
          `  IdentityFile ${target!.clientKey}`,
          `  UserKnownHostsFile ${jump!.knownHosts} ${target!.knownHosts}`,
        ].join("\n"),
      );
      const { options, warnings } = resolveSshOptions(
        { inventory_hostname: "web", ansible_host: "app" },
        { sshConfigFile: config },
      );
      expect(warnings).toEqual([]);
      const conn = await openSsh({ ...options, agent: false });
      expect(conn.host).toBe("web");
      expect((await conn.exec("id -un; echo $SSH_CONNECTION")).stdout).toMatch(
        new RegExp(`^root\\n.* ${target!.host} ${target!.port}\\n$`),
      );
      jump!.killSessions();
      await expect(conn.exec("true")).rejects.toMatchObject({ kind: "connection" });
      await conn.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close() ends running commands and refuses new ones", async () => {
    const sshd = await startSshd();
    started.push(sshd);
    const conn = await connectTo(sshd);
    await conn.files.stat("/");
    const running = conn.exec("sleep 30").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    const started_ = Date.now();
    await conn.close();
    expect(Date.now() - started_).toBeLessThan(3000);
    expect(await running).toMatchObject({ kind: "connection" });
    await expect(conn.exec("true")).rejects.toMatchObject({
      kind: "connection",
      message: expect.stringMatching(/closed/),
    });
  });

  it("fails a pending call, and every later one, with kind connection when the connection dies", async () => {
    const sshd = await startSshd();
    started.push(sshd);
    const conn = await connectTo(sshd);
    const pending = conn.exec("sleep 30").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    expect(sshd.killSessions()).toBeGreaterThan(0);
    const err = await pending;
    expect(isTsibleError(err) && err.kind).toBe("connection");
    expect(String((err as Error).message)).toMatch(new RegExp(`connection to ${sshd.host}.* lost`));
    await expect(conn.exec("true")).rejects.toMatchObject({ kind: "connection" });
    await expect(conn.files.stat("/")).rejects.toMatchObject({ kind: "connection" });
    await conn.close();
  });

  it("talks to 10 hosts on 127.0.0.2-11 at once, recording their keys in one known_hosts", async () => {
    const fleet = await startSshds(10, 2);
    started.push(...fleet);
    const dir = mkdtempSync(join(tmpdir(), "tsible-fleet-"));
    const knownHosts = join(dir, "known_hosts");
    try {
      const conns = await Promise.all(
        fleet.map((s) =>
          openSsh(
            sshOptionsFor(s, "root", { knownHostsFiles: [knownHosts], strictHostKeyChecking: "accept-new" }),
          ),
        ),
      );
      const outputs = await Promise.all(conns.map((c) => c.exec("echo $SSH_CONNECTION")));
      outputs.forEach((r, i) => {
        expect(r.stdout.split(" ")[2]).toBe(`127.0.0.${i + 2}`);
      });
      await Promise.all(conns.map((c) => c.close()));
      const lines = readFileSync(knownHosts, "utf8").trim().split("\n");
      expect(lines.sort()).toEqual(fleet.map((s) => `[${s.host}]:${s.port} ${s.hostKeyLine}`).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
