import { describe, expect, it } from "vitest";
import { TaggedText } from "../../src/load/tagged.js";
import { decryptText, encryptText, MASK, SecretRegistry, VaultKeyring } from "../../src/vault/index.js";

const TOKEN = "ghp_Abc123+/Secret=Token";

function registry(...values: string[]): SecretRegistry {
  const r = new SecretRegistry();
  for (const v of values) r.add(v);
  return r;
}

describe("SecretRegistry.mask", () => {
  it("masks every occurrence of a registered value", () => {
    const r = registry(TOKEN);
    expect(r.mask(`docker login -p ${TOKEN} && echo ${TOKEN}`)).toBe(
      `docker login -p ${MASK} && echo ${MASK}`,
    );
  });

  it("masks the JSON-escaped form (once and twice) of a value with quotes, backslashes and newlines", () => {
    const secret = 'pa"ss\\word\nline2';
    const r = registry(secret);
    const json = JSON.stringify({ msg: secret });
    expect(r.mask(json)).toBe(`{"msg":"${MASK}"}`);
    const nested = JSON.stringify({ stdout: json });
    expect(r.mask(nested)).not.toContain("pa\\");
    expect(r.mask(nested)).toContain(MASK);
  });

  it("masks the base64 form, alone and embedded in a longer base64 string (docker auth)", () => {
    const r = registry(TOKEN);
    expect(r.mask(Buffer.from(TOKEN).toString("base64"))).toBe(MASK);
    for (const user of ["u", "ab", "edumigsoft"]) {
      const auth = Buffer.from(`${user}:${TOKEN}`).toString("base64");
      const masked = r.mask(`{"auths":{"ghcr.io":{"auth":"${auth}"}}}`);
      expect(masked).toContain(MASK);
      // what is left of the encoded secret is at most a few edge characters
      const left = masked.match(/"auth":"([^"]*)"/)![1]!.replace(MASK, "");
      expect(left.length).toBeLessThan(Buffer.from(`${user}:`).toString("base64").length + 4);
    }
  });

  it("masks shell-quoted, URL-encoded and per-line forms", () => {
    const secret = "it's@secret";
    const r = registry(secret);
    expect(r.mask(`echo 'it'"'"'s@secret'`)).toBe(`echo '${MASK}'`);
    expect(r.mask(`echo 'it'\\''s@secret'`)).toBe(`echo '${MASK}'`);
    expect(r.mask("postgres://app:it's%40secret@db")).toBe(`postgres://app:${MASK}@db`);
    const key = "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\n-----END KEY-----\n";
    const k = registry(key);
    expect(k.mask("line: AAAAB3NzaC1yc2EAAAADAQAB")).toBe(`line: ${MASK}`);
  });

  it("ignores values shorter than 4 characters so output stays readable", () => {
    const r = registry("yes", "1", "", "dev");
    expect(r.size).toBe(0);
    expect(r.mask("yes 1 dev")).toBe("yes 1 dev");
  });

  it("masks a longer secret whole before a shorter one it contains", () => {
    const r = registry("abcd", "abcdefgh");
    expect(r.mask("xx abcdefgh yy abcd")).toBe(`xx ${MASK} yy ${MASK}`);
  });

  it("treats registered values literally, not as patterns", () => {
    const r = registry("a.*b(c)");
    expect(r.mask("aXXb(c) a.*b(c)")).toBe(`aXXb(c) ${MASK}`);
  });
});

describe("SecretRegistry.maskDeep and addDeep", () => {
  it("masks strings and keys in nested results without touching the original", () => {
    const r = registry(TOKEN);
    const result = {
      cmd: ["login", TOKEN],
      stdout: `ok ${TOKEN}`,
      [TOKEN]: 1,
      rc: 0,
      nested: { items: [{ t: TOKEN }] },
    };
    const masked = r.maskDeep(result);
    expect(JSON.stringify(masked)).not.toContain(TOKEN);
    expect(masked.rc).toBe(0);
    expect(result.cmd[1]).toBe(TOKEN);
    expect(Object.keys(masked)).toContain(MASK);
  });

  it("survives cycles and keeps a masked __proto__ key a plain key", () => {
    const r = registry("__proto__");
    const loop: Record<string, unknown> = { name: "x" };
    loop.self = loop;
    const masked = r.maskDeep(loop) as Record<string, unknown>;
    expect(masked.self).toBe(masked);
    const tricky = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const out = r.maskDeep(tricky) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("registers every string of a decrypted vars structure, including !unsafe text", () => {
    const r = new SecretRegistry();
    r.addDeep({
      db: { password: "db-password-1" },
      list: ["token-two"],
      port: 5432,
      raw: new TaggedText("unsafe", "{{raw-secret}}", { file: "f", line: 1, col: 1 }),
    });
    expect(r.mask("db-password-1 token-two 5432 {{raw-secret}}")).toBe(`${MASK} ${MASK} 5432 ${MASK}`);
  });
});

describe("keyring registration", () => {
  it("registers the passwords and every value it decrypts", () => {
    const r = new SecretRegistry();
    const ring = new VaultKeyring(r);
    ring.add("default", "vault-password-1");
    const text = encryptText("decrypted-value-1", "vault-password-1");
    expect(decryptText(text, ring, "x.yml")).toBe("decrypted-value-1");
    expect(r.mask("vault-password-1 / decrypted-value-1")).toBe(`${MASK} / ${MASK}`);
  });
});
