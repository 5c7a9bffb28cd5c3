import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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
import { ansibleVault, ansibleVaultSkipReason, makeIO, tempDir } from "./helpers.js";

const skip = ansibleVaultSkipReason();
const tmp = tempDir();
afterAll(() => tmp.cleanup());

const PLAINTEXT = "ghcr_token: ghp_RoundTrip0123\npassword: 'p@ss: wörd'\n";

describe.skipIf(skip !== undefined)(
  `round trips with Debian's ansible-vault${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    const pw = tmp.file("pw", "round-trip-password\n", 0o600);

    function keyring(label = "default"): VaultKeyring {
      const ring = new VaultKeyring();
      ring.add(label, "round-trip-password");
      return ring;
    }

    it("ansible-vault encrypts (1.1 and 1.2), tsible decrypts", () => {
      const a = tmp.file("a.yml", PLAINTEXT);
      expect(ansibleVault(["encrypt", "--vault-password-file", pw, a]).status).toBe(0);
      expect(decryptText(readFileSync(a, "utf8"), keyring(), a)).toBe(PLAINTEXT);

      const b = tmp.file("b.yml", PLAINTEXT);
      expect(ansibleVault(["encrypt", "--vault-id", `prod@${pw}`, b]).status).toBe(0);
      const text = readFileSync(b, "utf8");
      expect(text.split("\n")[0]).toBe("$ANSIBLE_VAULT;1.2;AES256;prod");
      expect(decryptText(text, keyring("prod"), b)).toBe(PLAINTEXT);
    });

    it("tsible encrypts (1.1 and 1.2), ansible-vault decrypts", () => {
      for (const label of [undefined, "prod"]) {
        const file = tmp.file(
          `t-${label ?? "plain"}.yml`,
          encryptText(PLAINTEXT, "round-trip-password", label),
        );
        const id = label ? `${label}@${pw}` : pw;
        const view = ansibleVault(["view", "--vault-id", id, file]);
        expect(view.stderr).toBe("");
        expect(view.stdout).toBe(PLAINTEXT);
      }
    });

    it("tsible vault encrypt and rekey write files ansible-vault opens", async () => {
      const file = tmp.file("c.yml", PLAINTEXT, 0o640);
      const newPw = tmp.file("new-pw", "brand-new-password\n", 0o600);
      expect(await runVaultCommand(["encrypt", "--vault-password-file", pw, file], makeIO())).toBe(0);
      expect(ansibleVault(["view", "--vault-password-file", pw, file]).stdout).toBe(PLAINTEXT);
      expect(
        await runVaultCommand(
          ["rekey", "--vault-password-file", pw, "--new-vault-id", `ops@${newPw}`, file],
          makeIO(),
        ),
      ).toBe(0);
      expect(ansibleVault(["decrypt", "--vault-id", `ops@${newPw}`, "--output", "-", file]).stdout).toBe(
        PLAINTEXT,
      );
    });

    it("ansible-vault encrypt_string output opens in tsible, and tsible's in ansible", async () => {
      const theirs = ansibleVault([
        "encrypt_string",
        "--vault-password-file",
        pw,
        "--name",
        "tok",
        "ghp_Inline42",
      ]);
      expect(theirs.status).toBe(0);
      const doc = parseYaml(theirs.stdout, "v.yml") as Record<string, TaggedText>;
      expect(decryptTagged(doc.tok!, keyring())).toBe("ghp_Inline42");

      // ours, loaded by ansible itself: a playbook that prints the decrypted variable
      const mine = makeIO();
      expect(
        await runVaultCommand(
          ["encrypt_string", "--vault-password-file", pw, "--name", "tok", "ghp_Back42"],
          mine,
        ),
      ).toBe(0);
      const vars = tmp.file("vars.yml", mine.out());
      const playbook = tmp.file(
        "play.yml",
        `- hosts: localhost\n  gather_facts: false\n  vars_files: [${vars}]\n  tasks:\n    - debug: {msg: "got {{ tok }}"}\n`,
      );
      const played = spawnSync("ansible-playbook", ["--vault-password-file", pw, playbook], {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ANSIBLE_LOCAL_TEMP: join(tmp.dir, "ansible-tmp"),
        },
      });
      expect(played.stdout).toContain('"msg": "got ghp_Back42"');
    });

    it("ansible-vault rejects tsible's file under a wrong password, as tsible rejects ansible's", async () => {
      const wrong = tmp.file("wrong", "not-the-password\n", 0o600);
      const file = tmp.file("d.yml", encryptText(PLAINTEXT, "round-trip-password"));
      expect(ansibleVault(["view", "--vault-password-file", wrong, file]).status).not.toBe(0);
      const a = tmp.file("e.yml", PLAINTEXT);
      ansibleVault(["encrypt", "--vault-password-file", pw, a]);
      const before = readFileSync(a, "utf8");
      const io = makeIO();
      expect(await runVaultCommand(["decrypt", "--vault-password-file", wrong, a], io)).toBe(1);
      expect(io.err()).toContain(`cannot decrypt ${a}`);
      expect(readFileSync(a, "utf8")).toBe(before);
    });
  },
);
