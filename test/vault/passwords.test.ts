import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TsibleError } from "../../src/errors.js";
import { encryptText, loadVaultKeyring, parseVaultId, SecretRegistry } from "../../src/vault/index.js";
import { makeIO, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function rejection(promise: Promise<unknown>): Promise<TsibleError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TsibleError) return err;
    throw err;
  }
  throw new Error("expected a TsibleError");
}

describe("password files", () => {
  it("reads a password file, trimmed as Ansible does", async () => {
    const file = tmp.file("pw.txt", "  file-password \n", 0o600);
    const ring = await loadVaultKeyring({ passwordFiles: [file] }, makeIO());
    expect(ring.labels).toEqual(["default"]);
    expect(ring.secretFor().password.toString()).toBe("file-password");
  });

  it("runs an executable password file and takes its stdout", async () => {
    const script = tmp.file("pw.sh", "#!/bin/sh\nprintf 'script-password\\r\\n'\n", 0o700);
    const ring = await loadVaultKeyring({ passwordFiles: [script] }, makeIO());
    expect(ring.secretFor().password.toString()).toBe("script-password");
  });

  it("gives a *-client script the vault id it is asked for", async () => {
    const client = tmp.file(
      "keys-client.sh",
      '#!/bin/sh\n[ "$1" = --vault-id ] || exit 3\ncase "$2" in prod) echo prod-pass;; *) echo "no $2" >&2; exit 2;; esac\n',
      0o700,
    );
    const ring = await loadVaultKeyring({ vaultIds: [`prod@${client}`] }, makeIO());
    expect(ring.secretFor("prod").password.toString()).toBe("prod-pass");
    const err = await rejection(loadVaultKeyring({ vaultIds: [`dev@${client}`] }, makeIO()));
    expect(err.message).toBe(
      `the vault password script ${client} found no password for vault id 'dev': no dev`,
    );
  });

  it("reports a failing script, a missing file and an empty password", async () => {
    const failing = tmp.file("fail.sh", "#!/bin/sh\nexit 7\n", 0o700);
    expect((await rejection(loadVaultKeyring({ passwordFiles: [failing] }, makeIO()))).message).toBe(
      `the vault password script ${failing} exited with 7`,
    );
    const missing = join(tmp.dir, "nope");
    expect((await rejection(loadVaultKeyring({ passwordFiles: [missing] }, makeIO()))).message).toBe(
      `the vault password file ${missing} was not found`,
    );
    const empty = tmp.file("empty.txt", "\n\n", 0o600);
    expect((await rejection(loadVaultKeyring({ passwordFiles: [empty] }, makeIO()))).message).toMatch(
      /is empty/,
    );
  });

  it("opens a password file that is itself encrypted with an earlier password", async () => {
    const outer = tmp.file("outer.txt", "outer-password\n", 0o600);
    const inner = tmp.file("inner.vault", encryptText("inner-password\n", "outer-password"), 0o600);
    const ring = await loadVaultKeyring({ vaultIds: [`outer@${outer}`, `inner@${inner}`] }, makeIO());
    expect(ring.secretFor("inner").password.toString()).toBe("inner-password");
  });
});

describe("environment and order", () => {
  it("reads TSIBLE_VAULT_PASSWORD_FILE, or else ANSIBLE_VAULT_PASSWORD_FILE, after the command line", async () => {
    const a = tmp.file("a.txt", "env-tsible\n", 0o600);
    const b = tmp.file("b.txt", "env-ansible\n", 0o600);
    const c = tmp.file("c.txt", "cli-pass\n", 0o600);
    const both = await loadVaultKeyring(
      { passwordFiles: [c] },
      makeIO("", { TSIBLE_VAULT_PASSWORD_FILE: a, ANSIBLE_VAULT_PASSWORD_FILE: b }),
    );
    expect(both.size).toBe(2);
    expect(both.secretFor().password.toString()).toBe("cli-pass");
    const ansibleOnly = await loadVaultKeyring({}, makeIO("", { ANSIBLE_VAULT_PASSWORD_FILE: b }));
    expect(ansibleOnly.secretFor().password.toString()).toBe("env-ansible");
  });

  it("puts TSIBLE_VAULT_IDENTITY_LIST first, then --vault-id, then password files", async () => {
    const x = tmp.file("x.txt", "x-pass\n", 0o600);
    const ring = await loadVaultKeyring(
      { vaultIds: [`cli@${x}`], passwordFiles: [x] },
      makeIO("", { TSIBLE_VAULT_IDENTITY_LIST: `envid@${x}` }),
    );
    expect(ring.labels).toEqual(["envid", "cli", "default"]);
  });

  it("prompts for --ask-vault-pass, reading a piped stdin when there is no terminal", async () => {
    const io = makeIO("typed-password\n");
    const ring = await loadVaultKeyring({ askVaultPass: true }, io);
    expect(ring.secretFor().password.toString()).toBe("typed-password");
    expect(io.err()).toBe("Vault password: \n");
  });

  it("asks twice for a new password and refuses a mismatch", async () => {
    const io = makeIO("first-one\nsecond-one\n");
    const err = await rejection(loadVaultKeyring({ vaultIds: ["prod@prompt"], newPassword: true }, io));
    expect(err.message).toBe("the passwords do not match");
    expect(io.err()).toBe("New vault password (prod): \nConfirm new vault password (prod): \n");
  });

  it("does not prompt for a playbook run unless asked", async () => {
    const ring = await loadVaultKeyring({}, makeIO("would-be-read\n"));
    expect(ring.size).toBe(0);
  });

  it("registers every password for masking", async () => {
    const registry = new SecretRegistry();
    const file = tmp.file("r.txt", "registered-password\n", 0o600);
    await loadVaultKeyring({ passwordFiles: [file], registry }, makeIO());
    expect(registry.mask("registered-password")).toBe("********");
  });
});

describe("parseVaultId", () => {
  it("splits label@source at the first @ and defaults the label", () => {
    expect(parseVaultId("prod@/etc/pw@x")).toEqual({ label: "prod", source: "/etc/pw@x" });
    expect(parseVaultId("/etc/pw")).toEqual({ label: "default", source: "/etc/pw" });
    expect(parseVaultId("dev@prompt")).toEqual({ label: "dev", source: "prompt" });
    expect(() => parseVaultId("a;b@x")).toThrow(/not a valid vault id/);
    expect(() => parseVaultId("prod@")).toThrow(/names no password source/);
  });

  it("never reads a password file into an error message", async () => {
    const file = tmp.file("leak.txt", "do-not-leak-me\n", 0o600);
    const ring = await loadVaultKeyring({ passwordFiles: [file] }, makeIO());
    expect(readFileSync(file, "utf8")).toContain("do-not-leak-me");
    expect(String(ring.secretFor())).toBe(`VaultSecret(default from ${file})`);
  });
});
