import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSshOptions } from "../../src/connection/ssh/index.js";

describe("resolveSshOptions", () => {
  let dir: string;
  let configFile: string;
  let keyFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tsible-resolve-"));
    keyFile = join(dir, "id_test");
    writeFileSync(keyFile, "not really a key");
    configFile = join(dir, "config");
    writeFileSync(
      configFile,
      [
        "# global defaults come first in this file, but first value wins",
        "Host web*.example !web9.example",
        "  HostName %h.internal",
        "  User deploy",
        "  Port 2222",
        `  IdentityFile ${keyFile}`,
        "  ProxyJump ops@bastion:2200",
        "  UserKnownHostsFile ~/.ssh/kh_web",
        "  StrictHostKeyChecking accept-new",
        "Host bastion",
        "  HostName 10.0.0.1",
        "  IdentityFile ~/.ssh/id_bastion",
        "Host *",
        "  User fallback",
        "  Port 22",
      ].join("\n"),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fills host, user, port, key, jump and known_hosts from ssh config", () => {
    const { options, warnings } = resolveSshOptions(
      { inventory_hostname: "web1", ansible_host: "web1.example" },
      { sshConfigFile: configFile },
    );
    expect(options).toMatchObject({
      name: "web1",
      host: "web1.example.internal",
      user: "deploy",
      port: 2222,
      privateKeys: [keyFile],
      strictHostKeyChecking: "accept-new",
      knownHostsFiles: [`${homedir()}/.ssh/kh_web`, "/etc/ssh/ssh_known_hosts"],
    });
    expect(options.defaultKeys).toBeUndefined();
    expect(options.jump).toHaveLength(1);
    expect(options.jump?.[0]).toMatchObject({ host: "10.0.0.1", user: "ops", port: 2200, privateKeys: [] });
    expect(warnings).toContain(`identity file ${homedir()}/.ssh/id_bastion does not exist`);
  });

  it("lets a negated pattern exclude a host", () => {
    const { options } = resolveSshOptions(
      { inventory_hostname: "web9.example" },
      { sshConfigFile: configFile },
    );
    expect(options).toMatchObject({ host: "web9.example", user: "fallback", port: 22 });
    expect(options.jump).toBeUndefined();
    expect(options.defaultKeys?.[0]).toBe(`${homedir()}/.ssh/id_ed25519`);
  });

  it("gives host variables precedence over CLI flags and ssh config", () => {
    const { options } = resolveSshOptions(
      {
        inventory_hostname: "web1.example",
        ansible_port: 2022,
        ansible_user: "admin",
        ansible_ssh_private_key_file: "/keys/admin",
        ansible_password: "pw",
      },
      { sshConfigFile: configFile, user: "cli-user", privateKey: "/keys/cli" },
    );
    expect(options).toMatchObject({
      user: "admin",
      port: 2022,
      privateKeys: ["/keys/admin"],
      password: "pw",
    });
    const cli = resolveSshOptions({ inventory_hostname: "other" }, { sshConfigFile: null, user: "cli-user" });
    expect(cli.options.user).toBe("cli-user");
    const none = resolveSshOptions({ inventory_hostname: "other" }, { sshConfigFile: null });
    expect(none.options).toMatchObject({ host: "other", port: 22, user: userInfo().username });
  });

  it("takes ServerAliveInterval and ServerAliveCountMax from -o options, else from ssh config, for every hop", () => {
    const file = join(dir, "alive_config");
    writeFileSync(
      file,
      [
        "Host far",
        "  ServerAliveInterval 5",
        "  ServerAliveCountMax 4",
        "  ProxyJump hop",
        "Host hop",
        "  ServerAliveInterval 7",
      ].join("\n"),
    );
    const fromConfig = resolveSshOptions({ inventory_hostname: "far" }, { sshConfigFile: file });
    expect(fromConfig.options).toMatchObject({ keepaliveIntervalMs: 5000, keepaliveCountMax: 4 });
    expect(fromConfig.options.jump?.[0]).toMatchObject({ host: "hop", keepaliveIntervalMs: 7000 });
    expect(fromConfig.options.jump?.[0]?.keepaliveCountMax).toBeUndefined();
    const fromArgs = resolveSshOptions(
      {
        inventory_hostname: "far",
        ansible_ssh_common_args: "-o ServerAliveInterval=1 -o ServerAliveCountMax=2",
      },
      { sshConfigFile: file },
    );
    expect(fromArgs.warnings).toEqual([]);
    expect(fromArgs.options).toMatchObject({ keepaliveIntervalMs: 1000, keepaliveCountMax: 2 });
    // ansible_ssh_extra_args too, after the common args: as with ssh, the first value wins
    const fromExtra = resolveSshOptions(
      {
        inventory_hostname: "far",
        ansible_ssh_common_args: "-o ServerAliveInterval=1",
        ansible_ssh_extra_args: "-o ServerAliveInterval=9 -o ServerAliveCountMax=6",
      },
      { sshConfigFile: null },
    );
    expect(fromExtra.warnings).toEqual([]);
    expect(fromExtra.options).toMatchObject({ keepaliveIntervalMs: 1000, keepaliveCountMax: 6 });
    expect(() =>
      resolveSshOptions(
        { inventory_hostname: "far", ansible_ssh_common_args: "-o ServerAliveInterval=often" },
        { sshConfigFile: null },
      ),
    ).toThrow(/ServerAliveInterval "often"/);
  });

  it("reads ansible_ssh_common_args and warns about what it ignores", () => {
    const { options, warnings } = resolveSshOptions(
      {
        inventory_hostname: "h",
        ansible_ssh_common_args: "-o StrictHostKeyChecking=no -J jumper:2201 -o ControlPersist=60s -C",
        ansible_ssh_extra_args: "-v",
      },
      { sshConfigFile: null },
    );
    expect(options.strictHostKeyChecking).toBe("no");
    expect(options.jump?.[0]).toMatchObject({ host: "jumper", port: 2201 });
    expect(warnings).toEqual([
      "ansible_ssh_common_args: ssh option ControlPersist is ignored by tsible",
      "ansible_ssh_common_args: -C is ignored by tsible",
      "ansible_ssh_extra_args: -v is ignored by tsible",
    ]);
    const off = resolveSshOptions(
      { inventory_hostname: "h", ansible_host_key_checking: false },
      { sshConfigFile: null },
    );
    expect(off.options.strictHostKeyChecking).toBe("no");
  });

  it("maps become variables over CLI flags", () => {
    const fromCli = resolveSshOptions(
      { inventory_hostname: "h" },
      { sshConfigFile: null, become: true, becomeUser: "app", becomePassword: "k" },
    );
    expect(fromCli.become).toEqual({ enabled: true, spec: { user: "app", method: "sudo", password: "k" } });
    const fromVars = resolveSshOptions(
      {
        inventory_hostname: "h",
        ansible_become: "no",
        ansible_become_user: "postgres",
        ansible_become_pass: "v",
        ansible_become_flags: "-H -E",
      },
      { sshConfigFile: null, become: true },
    );
    expect(fromVars.become).toEqual({
      enabled: false,
      spec: { user: "postgres", method: "sudo", password: "v", flags: "-H -E" },
    });
    expect(() =>
      resolveSshOptions({ inventory_hostname: "h", ansible_become_method: "su" }, { sshConfigFile: null }),
    ).toThrow(/become method "su" is not supported/);
  });

  it("rejects a bad port with its source", () => {
    expect(() =>
      resolveSshOptions({ inventory_hostname: "h", ansible_port: "http" }, { sshConfigFile: null }),
    ).toThrow(/invalid ssh port "http"/);
  });
});
