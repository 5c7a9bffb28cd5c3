import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  knownHostsName,
  parseKnownHosts,
} from "../../src/connection/ssh/index.js";

const keyA = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.alloc(36, 1)]);
const keyB = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.alloc(36, 2)]);
const rsa = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from("ssh-rsa"), Buffer.alloc(20, 3)]);
const line = (hosts: string, key: Buffer, type = "ssh-ed25519") =>
  `${hosts} ${type} ${key.toString("base64")}`;

describe("known_hosts", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-kh-unit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names hosts as OpenSSH does", () => {
    expect(knownHostsName("example.org", 22)).toBe("example.org");
    expect(knownHostsName("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("judges ok, changed, unknown and revoked keys, with file and line", () => {
    const text = [
      "# comment",
      "",
      line("a.example,b.example", keyA),
      line("*.wild,!bad.wild", keyA),
      line("c.example", rsa, "ssh-rsa"),
      `@revoked ${line("*", keyB)}`,
      "garbage",
    ].join("\n");
    const entries = parseKnownHosts(text, "/kh");
    expect(entries.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(checkHostKey(entries, "B.EXAMPLE", keyA)).toEqual({ status: "ok" });
    expect(checkHostKey(entries, "x.wild", keyA)).toEqual({ status: "ok" });
    expect(checkHostKey(entries, "bad.wild", keyA)).toMatchObject({ status: "unknown" });
    expect(checkHostKey(entries, "a.example", keyB)).toMatchObject({ status: "revoked", entry: { line: 6 } });
    const other = parseKnownHosts(line("a.example", keyB), "/k2");
    expect(checkHostKey(other, "a.example", keyA)).toMatchObject({
      status: "changed",
      entry: { file: "/k2", line: 1 },
    });
    expect(checkHostKey(entries, "c.example", keyA)).toMatchObject({
      status: "unknown",
      others: [{ line: 5 }],
    });
  });

  it.skipIf(!existsSync("/usr/bin/ssh-keygen"))("matches entries hashed by ssh-keygen -H", () => {
    const file = join(dir, "hashed");
    writeFileSync(file, `${line("[127.0.0.9]:2200", keyA)}\n`);
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
    const entries = parseKnownHosts(readFileSync(file, "utf8"), file);
    expect(entries[0]?.hosts.kind).toBe("hashed");
    expect(checkHostKey(entries, "[127.0.0.9]:2200", keyA)).toEqual({ status: "ok" });
    expect(checkHostKey(entries, "127.0.0.9", keyA)).toMatchObject({ status: "unknown" });
  });

  it("appends atomically, serialising concurrent appends", async () => {
    const file = join(dir, "new", "known_hosts");
    await Promise.all(Array.from({ length: 10 }, (_, i) => appendKnownHost(file, `h${i}`, keyA)));
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines.sort()[0]).toBe(line("h0", keyA));
  });
});
