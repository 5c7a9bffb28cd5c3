import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSsh, type SshOptions } from "../../src/connection/ssh/index.js";
import { rejectionOf, sshOptionsFor } from "../helpers/ssh-connect.js";
import { makeKeyPair, type Sshd, sshdSkipReason, startSshd } from "../helpers/sshd.js";

const skip = sshdSkipReason();

describe.skipIf(skip)("host key verification against a real sshd", () => {
  let sshd: Sshd;
  let dir: string;
  let name: string;
  let n = 0;
  const file = (text: string) => {
    const path = join(dir, `known_hosts_${n++}`);
    writeFileSync(path, text);
    return path;
  };
  const withFile = (path: string, extra: Partial<SshOptions> = {}) =>
    sshOptionsFor(sshd, "root", { knownHostsFiles: [path], ...extra });
  const connects = async (opts: SshOptions) => {
    const conn = await openSsh(opts);
    const out = (await conn.exec("echo in")).stdout;
    await conn.close();
    return out === "in\n";
  };

  beforeAll(async () => {
    sshd = await startSshd();
    dir = mkdtempSync(join(tmpdir(), "tsible-kh-"));
    name = `[${sshd.host}]:${sshd.port}`;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sshd?.stop();
  });

  it("accepts a plain [host]:port entry", async () => {
    expect(await connects(withFile(file(`# comment\n${name} ${sshd.hostKeyLine}\n`)))).toBe(true);
  });

  it("refuses an unknown key, showing the fingerprint and how to trust it", async () => {
    const err = await rejectionOf(
      openSsh(withFile(file("other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n"))),
    );
    expect(err.kind).toBe("connection");
    expect(err.message).toContain(`the host key of ${sshd.host}:${sshd.port} is not known`);
    expect(err.message).toContain(sshd.hostFingerprint);
    expect(err.hint).toContain(`ssh-keyscan -p ${sshd.port} -t ssh-ed25519 ${sshd.host}`);
    expect(err.hint).toContain("accept-new");
  });

  it("refuses a changed key loudly, naming the file and line", async () => {
    const other = makeKeyPair("impostor");
    const path = file(`# first line\n${name} ${other.publicLine}\n`);
    const err = await rejectionOf(openSsh(withFile(path)));
    expect(err.kind).toBe("connection");
    expect(err.message).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
    expect(err.message).toContain(`${path}:2`);
    expect(err.hint).toContain(`ssh-keygen -R '${name}' -f ${path}`);
    // accept-new never overrides a changed key
    const again = await rejectionOf(openSsh(withFile(path, { strictHostKeyChecking: "accept-new" })));
    expect(again.message).toContain("REMOTE HOST IDENTIFICATION HAS CHANGED");
  });

  it("accepts a hashed entry written by ssh-keygen -H", async () => {
    const path = file(`${name} ${sshd.hostKeyLine}\n`);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", path], { stdio: "ignore" });
    expect(readFileSync(path, "utf8")).toMatch(/^\|1\|/);
    expect(await connects(withFile(path))).toBe(true);
  });

  it("honours wildcard patterns and negation", async () => {
    const wildcard = `[127.0.0.*]:${sshd.port}`;
    expect(await connects(withFile(file(`${wildcard} ${sshd.hostKeyLine}\n`)))).toBe(true);
    const negated = file(`${wildcard},!${name} ${sshd.hostKeyLine}\n`);
    expect((await rejectionOf(openSsh(withFile(negated)))).message).toMatch(/is not known/);
  });

  it("refuses a @revoked key and does not use @cert-authority lines as plain keys", async () => {
    const revoked = file(`${name} ${sshd.hostKeyLine}\n@revoked * ${sshd.hostKeyLine}\n`);
    expect((await rejectionOf(openSsh(withFile(revoked)))).message).toMatch(/REVOKED/);
    const ca = file(`@cert-authority ${name} ${sshd.hostKeyLine}\n`);
    expect((await rejectionOf(openSsh(withFile(ca)))).message).toMatch(
      /not known.*@cert-authority.*not supported/,
    );
  });

  it("records a new key in accept-new mode, and trusts it afterwards", async () => {
    const path = join(dir, "sub", "known_hosts");
    expect(await connects(withFile(path, { strictHostKeyChecking: "accept-new" }))).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(`${name} ${sshd.hostKeyLine}\n`);
    expect(await connects(withFile(path))).toBe(true);
    expect(readFileSync(path, "utf8").split("\n").length).toBe(2);
  });

  it("accepts anything with StrictHostKeyChecking=no", async () => {
    expect(await connects(withFile(join(dir, "none"), { strictHostKeyChecking: "no" }))).toBe(true);
  });
});
