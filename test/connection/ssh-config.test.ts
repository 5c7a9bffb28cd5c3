import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lookupSshConfig, parseSshConfig } from "../../src/connection/ssh/index.js";
import { expandTokens } from "../../src/connection/ssh/ssh-config.js";

describe("ssh config", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-sshcfg-unit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("applies first-value-wins across matching blocks, with = syntax and quotes", () => {
    const config = parseSshConfig(
      [
        "Port=2200",
        "Host db",
        '  HostName "db.internal"',
        "  Port 5022",
        "  IdentityFile ~/.ssh/one",
        "Match user admin",
        "  User never",
        "Host d*",
        "  User ops",
        "  IdentityFile %d/two_%h",
      ].join("\n"),
      "/cfg",
    );
    expect(lookupSshConfig(config, "db")).toEqual({
      hostName: "db.internal",
      port: 2200,
      user: "ops",
      identityFiles: ["~/.ssh/one", "%d/two_%h"],
    });
    expect(expandTokens("%d/two_%h", { host: "db" })).toBe(`${homedir()}/two_db`);
    expect(expandTokens("~/.ssh/one", { host: "db" })).toBe(`${homedir()}/.ssh/one`);
  });

  it("reads Include files with globs, in name order, relative paths under ~/.ssh or absolute", () => {
    const inc = join(dir, "conf.d");
    mkdirSync(inc);
    writeFileSync(join(inc, "b.conf"), "Host web\n  User from-b\n");
    writeFileSync(join(inc, "a.conf"), "Host web\n  Port 2022\n  User from-a\n");
    writeFileSync(join(inc, ".hidden"), "Host web\n  User hidden\n");
    const config = parseSshConfig(`Include ${inc}/*.conf\nHost *\n  User last\n`, join(dir, "config"));
    expect(lookupSshConfig(config, "web")).toMatchObject({ port: 2022, user: "from-a" });
    expect(lookupSshConfig(config, "other")).toMatchObject({ user: "last" });
    const missing = parseSshConfig(`Include ${dir}/nothing-here/*\n`, "/cfg");
    expect(lookupSshConfig(missing, "web")).toEqual({ identityFiles: [] });
  });

  it("stops runaway Include loops and points at bad lines", () => {
    const loop = join(dir, "loop.conf");
    writeFileSync(loop, `Include ${loop}\n`);
    expect(() => parseSshConfig(`Include ${loop}`, "/cfg")).toThrow(/nests too deeply/);
    try {
      parseSshConfig("Host a\n  ???\n", "/my/config");
      throw new Error("expected a parse error");
    } catch (err) {
      expect((err as { location?: unknown }).location).toEqual({ file: "/my/config", line: 2, col: 1 });
    }
  });
});
