import { existsSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TaggedText } from "../../src/load/tagged.js";
import { parseYaml } from "../../src/load/yaml.js";
import {
  decryptTagged,
  decryptText,
  encryptText,
  runVaultCommand,
  VaultKeyring,
} from "../../src/vault/index.js";
import { makeIO, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const pwFile = tmp.file("pw", "cli-password\n", 0o600);
const otherPw = tmp.file("pw2", "other-password\n", 0o600);

function ring(password = "cli-password", label = "default"): VaultKeyring {
  const r = new VaultKeyring();
  r.add(label, password);
  return r;
}

async function run(argv: string[], input = "", env: NodeJS.ProcessEnv = {}) {
  const io = makeIO(input, env);
  const code = await runVaultCommand(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe("vault encrypt / decrypt / view", () => {
  it("encrypts in place keeping the file's mode, and decrypts it back", async () => {
    const file = tmp.file("vars.yml", "token: abc-secret\n", 0o640);
    const enc = await run(["encrypt", "--vault-password-file", pwFile, file]);
    expect(enc).toMatchObject({ code: 0, out: "" });
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("$ANSIBLE_VAULT;1.1;AES256\n")).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(decryptText(text, ring(), file)).toBe("token: abc-secret\n");

    const dec = await run(["decrypt", `--vault-password-file=${pwFile}`, file]);
    expect(dec.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("token: abc-secret\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(tmp.dir).filter((n) => n.includes(".tsible-"))).toEqual([]);
  });

  it("writes --output as a new 0600 file and leaves the input alone", async () => {
    const file = tmp.file("plain.txt", "plain text\n", 0o644);
    const out = join(tmp.dir, "plain.vault");
    expect((await run(["encrypt", "--vault-id", `prod@${pwFile}`, "--output", out, file])).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("plain text\n");
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const view = await run(["view", "--vault-id", `prod@${pwFile}`, out]);
    expect(view).toMatchObject({ code: 0, out: "plain text\n" });
  });

  it("reads stdin and writes stdout for `-` or no file", async () => {
    const enc = await run(["encrypt", "--vault-password-file", pwFile], "from stdin");
    expect(enc.code).toBe(0);
    expect(decryptText(enc.out, ring(), "stdout")).toBe("from stdin");
    const dec = await run(["decrypt", "--vault-password-file", pwFile, "--output", "-", "-"], enc.out);
    expect(dec).toMatchObject({ code: 0, out: "from stdin" });
  });

  it("follows a symlink and keeps it a link", async () => {
    const target = tmp.file("target.yml", "a: 1\n", 0o600);
    const link = join(tmp.dir, "link.yml");
    symlinkSync(target, link);
    expect((await run(["encrypt", "--vault-password-file", pwFile, link])).code).toBe(0);
    expect(readFileSync(target, "utf8").startsWith("$ANSIBLE_VAULT")).toBe(true);
    expect(statSync(link).isFile()).toBe(true);
  });
});

describe("wrong passwords and bad input write nothing", () => {
  it("names the file and leaves every file unchanged", async () => {
    const good = tmp.file("good.yml", encryptText("good: 1\n", "cli-password"), 0o600);
    const bad = tmp.file("bad.yml", encryptText("bad: 1\n", "some-other-password"), 0o600);
    const before = [readFileSync(good, "utf8"), readFileSync(bad, "utf8")];
    const res = await run(["decrypt", "--vault-password-file", pwFile, good, bad]);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`ERROR! cannot decrypt ${bad}: wrong vault password`);
    expect(res.err).not.toContain("cli-password");
    expect([readFileSync(good, "utf8"), readFileSync(bad, "utf8")]).toEqual(before);

    const rekey = await run([
      "rekey",
      "--vault-password-file",
      pwFile,
      "--new-vault-password-file",
      otherPw,
      good,
      bad,
    ]);
    expect(rekey.code).toBe(1);
    expect([readFileSync(good, "utf8"), readFileSync(bad, "utf8")]).toEqual(before);
  });

  it("refuses to encrypt an encrypted file and to decrypt a plain one", async () => {
    const enc = tmp.file("twice.yml", encryptText("x: 1\n", "cli-password"));
    const res = await run(["encrypt", "--vault-password-file", pwFile, enc]);
    expect(res.code).toBe(5);
    expect(res.err).toContain(`${enc} is already vault-encrypted`);
    const plain = tmp.file("plain.yml", "x: 1\n");
    const dec = await run(["decrypt", "--vault-password-file", pwFile, plain]);
    expect(dec.code).toBe(1);
    expect(dec.err).toContain(`${plain} is not vault-encrypted`);
    expect(readFileSync(plain, "utf8")).toBe("x: 1\n");
  });

  it("explains command-line mistakes with exit code 5", async () => {
    expect((await run(["encrpyt", "x"])).err).toContain("did you mean 'encrypt'?");
    expect((await run(["view", "--vault-passwrd-file", "x", "f"])).err).toContain(
      "did you mean --vault-password-file?",
    );
    expect((await run(["decrypt", "--name", "x", "f"])).err).toContain(
      "--name does not apply to 'vault decrypt'",
    );
    expect((await run(["encrypt", "--output", "o", "a", "b"])).code).toBe(5);
    expect((await run(["view"])).err).toContain("'vault view' needs at least one file name");
    const several = await run([
      "encrypt_string",
      "--vault-id",
      `a@${pwFile}`,
      "--vault-id",
      `b@${otherPw}`,
      "secret",
    ]);
    expect(several.code).toBe(5);
    expect(several.err).toContain("the vault ids a, b can all encrypt");
    expect((await run(["--help"])).out).toContain("usage: tsible vault ACTION");
  });
});

describe("vault rekey", () => {
  it("re-encrypts with the new password and vault id, keeping the mode", async () => {
    const file = tmp.file("rekey.yml", encryptText("r: 1\n", "cli-password"), 0o640);
    const res = await run([
      "rekey",
      "--vault-password-file",
      pwFile,
      "--new-vault-id",
      `new@${otherPw}`,
      file,
    ]);
    expect(res).toMatchObject({ code: 0, err: "Rekey successful\n" });
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;new");
    expect(decryptText(text, ring("other-password", "new"), file)).toBe("r: 1\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it("asks for the old password then the new one twice when none is given", async () => {
    const file = tmp.file("rekey2.yml", encryptText("r: 2\n", "cli-password"));
    const res = await run(["rekey", "--ask-vault-pass", file], "cli-password\nfresh-pass\nfresh-pass\n");
    expect(res.code).toBe(0);
    expect(res.err).toBe(
      "Vault password: \nNew Vault password: \nConfirm New Vault password: \nRekey successful\n",
    );
    expect(decryptText(readFileSync(file, "utf8"), ring("fresh-pass"), file)).toBe("r: 2\n");
  });
});

describe("vault encrypt_string", () => {
  it("prints `name: !vault |` blocks that the YAML loader reads back", async () => {
    const res = await run([
      "encrypt_string",
      "--vault-password-file",
      pwFile,
      "--name",
      "ghcr_token",
      "ghp_token_123",
    ]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(
      /^ghcr_token: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n( {10}[0-9a-f]{1,80}\n)+$/,
    );
    const doc = parseYaml(res.out, "vars.yml") as Record<string, TaggedText>;
    expect(decryptTagged(doc.ghcr_token!, ring())).toBe("ghp_token_123");
  });

  it("reads stdin with --stdin-name and pairs names with several strings", async () => {
    const res = await run(
      [
        "encrypt_string",
        "--vault-id",
        `dev@${pwFile}`,
        "--stdin-name",
        "from_stdin",
        "-n",
        "a",
        "first",
        "second",
      ],
      "stdin-secret",
    );
    expect(res.code).toBe(0);
    const doc = parseYaml(res.out.replace(/^!vault \|/m, "unnamed: !vault |"), "v.yml") as Record<
      string,
      TaggedText
    >;
    const r = ring("cli-password", "dev");
    expect(decryptTagged(doc.from_stdin!, r)).toBe("stdin-secret");
    expect(decryptTagged(doc.a!, r)).toBe("first");
    expect(decryptTagged(doc.unnamed!, r)).toBe("second");
    expect(res.err).toContain('The last named variable will be "a". The rest will not have names.');
    expect(res.err).toContain(
      '# The encrypted version of variable ("from_stdin", the string #1 from stdin).',
    );
    expect(res.err + res.out).not.toMatch(/stdin-secret|first|second/);
  });

  it("prompts for the name and the hidden string with --prompt", async () => {
    const res = await run(
      ["encrypt_string", "--vault-password-file", pwFile, "--prompt"],
      "db_pass\nprompted-secret\n",
    );
    expect(res.code).toBe(0);
    expect(res.err).toBe("Variable name (enter for no name): \nString to encrypt (hidden): \n");
    const doc = parseYaml(res.out, "v.yml") as Record<string, TaggedText>;
    expect(decryptTagged(doc.db_pass!, ring())).toBe("prompted-secret");
  });

  it("refuses an empty stdin", async () => {
    const res = await run(["encrypt_string", "--vault-password-file", pwFile], "");
    expect(res).toMatchObject({ code: 5 });
    expect(res.err).toContain("stdin was empty, not encrypting");
  });
});

describe("vault edit and create", () => {
  /** An $EDITOR that records where and how it was asked to edit, then appends a line. */
  function editorScript(log: string, action: string): string {
    return tmp.file(
      `editor-${Math.random().toString(36).slice(2)}.sh`,
      `#!/bin/sh\nf="$1"\nd=$(dirname "$f")\nprintf '%s %s %s\\n' "$f" "$(stat -c %a "$f")" "$(stat -c %a "$d")" > ${log}\n${action}\n`,
      0o700,
    );
  }

  it("edits in a private 0600 file, re-encrypts with the same vault id and removes the plaintext", async () => {
    const file = tmp.file("edit.yml", encryptText("a: 1\n", "cli-password", "prod"), 0o640);
    const log = join(tmp.dir, "edit.log");
    const editor = editorScript(log, `echo 'b: 2' >> "$f"`);
    const res = await run(["edit", "--vault-id", `prod@${pwFile}`, file], "", { EDITOR: editor });
    expect(res).toMatchObject({ code: 0 });
    const [tempFile, fileMode, dirMode] = readFileSync(log, "utf8").trim().split(" ");
    expect([fileMode, dirMode]).toEqual(["600", "700"]);
    expect(tempFile!.startsWith(tmpdir())).toBe(true);
    expect(tempFile!.endsWith("edit.yml")).toBe(true);
    expect(existsSync(tempFile!)).toBe(false);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
    expect(decryptText(text, ring("cli-password", "prod"), file)).toBe("a: 1\nb: 2\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it("leaves the file byte for byte when nothing changed or the editor fails", async () => {
    const file = tmp.file("same.yml", encryptText("same\n", "cli-password"));
    const before = readFileSync(file, "utf8");
    const log = join(tmp.dir, "same.log");
    expect(
      (await run(["edit", "--vault-password-file", pwFile, file], "", { EDITOR: editorScript(log, "true") }))
        .code,
    ).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(before);
    const failing = editorScript(log, `echo 'changed' >> "$f"; exit 1`);
    const res = await run(["edit", "--vault-password-file", pwFile, file], "", { EDITOR: failing });
    expect(res.code).toBe(5);
    expect(res.err).toContain("exited with 1; nothing was saved");
    expect(readFileSync(file, "utf8")).toBe(before);
    const tempFile = readFileSync(log, "utf8").split(" ")[0]!;
    expect(existsSync(tempFile)).toBe(false);
  });

  it("creates a new encrypted file from what the editor wrote", async () => {
    const file = join(tmp.dir, "created.yml");
    const editor = editorScript(join(tmp.dir, "create.log"), `printf 'new: value\\n' > "$f"`);
    const res = await run(["create", "--vault-password-file", pwFile, file], "", { EDITOR: editor });
    expect(res.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(decryptText(readFileSync(file, "utf8"), ring(), file)).toBe("new: value\n");
    expect(
      (await run(["create", "--vault-password-file", pwFile, file], "", { EDITOR: editor })).err,
    ).toContain("exists already");
  });
});
