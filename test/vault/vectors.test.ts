import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TsibleError } from "../../src/errors.js";
import { TaggedText } from "../../src/load/tagged.js";
import { parseYaml } from "../../src/load/yaml.js";
import {
  decryptTagged,
  decryptText,
  encryptText,
  isVaultText,
  parseEnvelope,
  VaultKeyring,
} from "../../src/vault/index.js";

/** Ciphertexts written by Debian's ansible-vault 2.14, recorded so these tests need no Ansible. */
const vectors = JSON.parse(
  readFileSync(new URL("./fixtures/vectors.json", import.meta.url), "utf8"),
) as Record<string, string>;
const v = (key: string): string => {
  const value = vectors[key];
  if (value === undefined) throw new Error(`fixture ${key} missing`);
  return value;
};

function keyring(...entries: Array<[string, string]>): VaultKeyring {
  const ring = new VaultKeyring();
  for (const [label, password] of entries) ring.add(label, password);
  return ring;
}

function thrown(fn: () => unknown): TsibleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TsibleError) return err;
    throw err;
  }
  throw new Error("expected a TsibleError");
}

describe("known vectors from ansible-vault", () => {
  it("decrypts a 1.1 file written by ansible-vault encrypt", () => {
    expect(decryptText(v("cli_1_1"), keyring(["default", v("password")]), "group_vars/all.yml")).toBe(
      v("plaintext"),
    );
  });

  it("decrypts a 1.2 file and reads its label", () => {
    expect(parseEnvelope(v("cli_1_2_prod"), "x").label).toBe("prod");
    const ring = keyring(["dev", "not-this-one"], ["prod", v("password")]);
    expect(decryptText(v("cli_1_2_prod"), ring, "prod.yml")).toBe(v("plaintext"));
  });

  it("reproduces ansible-vault's bytes exactly given the same salt (1.1 and 1.2)", () => {
    const salt = Buffer.from(v("fixed_salt_hex"), "hex");
    expect(encryptText(v("plaintext"), v("password"), undefined, salt)).toBe(v("fixed_salt_1_1"));
    expect(encryptText(v("fixed_salt_1_2_prod_plaintext"), v("password"), "prod", salt)).toBe(
      v("fixed_salt_1_2_prod"),
    );
    // "default" is Ansible's unnamed id and keeps format 1.1
    expect(encryptText(v("plaintext"), v("password"), "default", salt)).toBe(v("fixed_salt_1_1"));
  });

  it("wraps the envelope at 80 columns with a final newline, as ansible-vault writes it", () => {
    const text = encryptText("x".repeat(500), "pw-long-enough");
    const lines = text.split("\n");
    expect(lines[0]).toBe("$ANSIBLE_VAULT;1.1;AES256");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(1, -2).every((l) => l.length === 80)).toBe(true);
    expect(lines.at(-2)!.length).toBeLessThanOrEqual(80);
  });

  it("loads encrypt_string output with the YAML loader and decrypts the !vault value", () => {
    const doc = parseYaml(v("cli_encrypt_string"), "vars.yml") as Record<string, unknown>;
    const tagged = doc.ghcr_token;
    expect(tagged).toBeInstanceOf(TaggedText);
    expect(decryptTagged(tagged as TaggedText, keyring(["default", v("password")]))).toBe(
      v("inline_plaintext"),
    );
  });
});

describe("refusals", () => {
  it("rejects tampered ciphertext: the HMAC is checked, nothing is decrypted", () => {
    const text = v("cli_1_1");
    const envelope = parseEnvelope(text, "x");
    // flip one bit of the ciphertext and re-wrap it in a well-formed envelope
    const bad = Buffer.from(envelope.ciphertext);
    bad[3] = bad[3]! ^ 0x01;
    const inner = [envelope.salt.toString("hex"), envelope.hmac.toString("hex"), bad.toString("hex")].join(
      "\n",
    );
    const tampered = `$ANSIBLE_VAULT;1.1;AES256\n${Buffer.from(inner).toString("hex")}\n`;
    const err = thrown(() => decryptText(tampered, keyring(["default", v("password")]), "secrets.yml"));
    expect(err.kind).toBe("vault");
    expect(err.message).toContain("secrets.yml");
    expect(err.message).toMatch(/wrong vault password, or the encrypted data was modified/);
  });

  it("rejects a tampered HMAC and a truncated body", () => {
    const text = v("cli_1_1");
    const lines = text.trimEnd().split("\n");
    const truncated = lines.slice(0, -1).join("\n");
    const err = thrown(() => decryptText(truncated, keyring(["default", v("password")]), "cut.yml"));
    expect(err.kind).toBe("vault");
    expect(err.message).toContain("cut.yml");
  });

  it("names the file on a wrong password, and hints at a missing vault id", () => {
    const err = thrown(() =>
      decryptText(v("cli_1_2_prod"), keyring(["dev", "wrong-password"]), "inventory/prod/vault.yml"),
    );
    expect(err.kind).toBe("vault");
    expect(err.message).toContain("inventory/prod/vault.yml");
    expect(err.message).toContain("tried vault ids: dev");
    expect(err.hint).toContain("--vault-id prod@");
    expect(err.describe()).not.toContain(v("password"));
  });

  it("points at the !vault value's file:line:col on a wrong password", () => {
    const yaml = `---\nother: 1\n${v("cli_encrypt_string")}\n`;
    const doc = parseYaml(yaml, "group_vars/all.yml") as Record<string, unknown>;
    const err = thrown(() => decryptTagged(doc.ghcr_token as TaggedText, keyring(["default", "nope-nope"])));
    expect(err.kind).toBe("vault");
    expect(err.location).toMatchObject({ file: "group_vars/all.yml", line: 3 });
    expect(err.describe()).toMatch(
      /^group_vars\/all\.yml:3:\d+: cannot decrypt the !vault value: wrong vault password/,
    );
  });

  it("says when no password was given", () => {
    const err = thrown(() => decryptText(v("cli_1_1"), new VaultKeyring(), "a.yml"));
    expect(err.message).toBe("cannot decrypt a.yml: no vault password was given");
    expect(err.hint).toContain("TSIBLE_VAULT_PASSWORD_FILE");
  });

  it("rejects unsupported headers and non-hex bodies as format errors", () => {
    const ring = keyring(["default", "pw-pw-pw"]);
    expect(thrown(() => decryptText("$ANSIBLE_VAULT;1.0;AES\n00\n", ring, "old.yml")).message).toMatch(
      /old\.yml is not valid vault data: vault format version 1\.0/,
    );
    expect(thrown(() => decryptText("$ANSIBLE_VAULT;1.1;AES256\nzz\n", ring, "b.yml")).message).toMatch(
      /not hexadecimal/,
    );
  });

  it("refuses to encrypt twice and to encrypt with an empty password", () => {
    const once = encryptText("value", "pw-pw-pw");
    expect(thrown(() => encryptText(once, "pw-pw-pw")).message).toMatch(/already vault-encrypted/);
    expect(thrown(() => encryptText("value", "")).message).toMatch(/empty vault password/);
    expect(thrown(() => encryptText("value", "pw", "a;b")).message).toMatch(/not a valid vault id/);
  });
});

describe("keyring order and round trips", () => {
  it("round-trips text and binary through both formats", () => {
    const binary = Buffer.from([0, 255, 10, 13, 128, 1, 2, 3]);
    for (const label of [undefined, "prod"]) {
      const ring = keyring([label ?? "default", "s3cret-pass"]);
      const text = encryptText(binary, "s3cret-pass", label);
      expect(isVaultText(text)).toBe(true);
      expect(ring.open(text, "bin").plaintext.equals(binary)).toBe(true);
    }
    // plaintexts that are exact multiples of the block size get a whole padding block
    const sixteen = "0123456789abcdef";
    expect(decryptText(encryptText(sixteen, "pw1234"), keyring(["default", "pw1234"]), "x")).toBe(sixteen);
    expect(decryptText(encryptText("", "pw1234"), keyring(["default", "pw1234"]), "x")).toBe("");
  });

  it("tries the password whose label matches the header first, then all the others", () => {
    const text = encryptText("labelled", "right-one", "prod");
    const ring = keyring(["dev", "wrong-one"], ["prod", "right-one"]);
    const opened = ring.open(text, "x");
    expect(opened.secret.label).toBe("prod");
    // the label is only a hint: a differently labelled password that fits still opens it
    const relabelled = keyring(["other", "right-one"]);
    expect(relabelled.open(text, "x").secret.label).toBe("other");
  });

  it("never shows a password in JSON or string forms", () => {
    const ring = keyring(["default", "super-secret-password"]);
    const secret = ring.secretFor();
    expect(JSON.stringify({ secret })).not.toContain("super-secret-password");
    expect(String(secret)).not.toContain("super-secret-password");
    expect(secret.password.toString()).toBe("super-secret-password");
  });

  it("chooses the encryption password by label and says which labels exist", () => {
    const ring = keyring(["dev", "a-a-a-a"], ["prod", "b-b-b-b"]);
    expect(ring.secretFor("prod").password.toString()).toBe("b-b-b-b");
    expect(thrown(() => ring.secretFor("staging")).hint).toBe("known vault ids: dev, prod");
  });
});
