import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { encryptText } from "../../src/vault/index.js";
import { tsible } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tsible-noleak-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = "ghp_Sup3rS3cretT0ken4242";
const PASSWORD = "vault-pass-for-test";

/**
 * A vault value printed, templated into a file and diffed, failed on, looped over and registered,
 * at -vvv and in JSON: not one byte of any output may hold it (nor the vault password).
 */
test("a vault token never reaches the output, whatever the playbook does with it", async () => {
  const vaulted = encryptText(TOKEN, PASSWORD)
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n");
  writeFileSync(join(dir, "pass.txt"), `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "inv.ini"), "localhost ansible_connection=local\n");
  writeFileSync(
    join(dir, "play.yml"),
    `- hosts: all
  gather_facts: false
  vars:
    token: !vault |
${vaulted}
  tasks:
    - debug: { msg: "token is {{ token }}" }
    - debug: { var: token }
    - copy: { content: "export GITHUB_TOKEN={{ token }}\\n", dest: "${dir}/secret", mode: "0600" }
    - lineinfile: { path: "${dir}/secret", line: "# rotated {{ token }}" }
    - command: "echo {{ token }}"
      register: echoed
    - debug: { var: echoed }
    - debug: { msg: "{{ item }}" }
      loop: ["{{ token }}", "plain"]
    - fail: { msg: "failing with {{ token }}" }
      ignore_errors: true
    - shell: "echo {{ token }} >&2; exit 3"
`,
  );
  const args = [
    "run",
    join(dir, "play.yml"),
    "-i",
    join(dir, "inv.ini"),
    "--vault-password-file",
    join(dir, "pass.txt"),
  ];
  const text = await tsible([...args, "-vvv", "--diff"]);
  const json = await tsible([...args, "--diff", "--output", "json"]);
  const check = await tsible([...args, "--check", "--diff", "-vvv"]);
  expect(text.code).toBe(2); // the last task fails on purpose
  expect(json.code).toBe(2);
  expect(check.code).toBe(0); // in check mode the failing shell command would only run
  for (const res of [text, json, check]) {
    const all = res.stdout + res.stderr;
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(Buffer.from(TOKEN).toString("base64"));
  }
  expect(text.stdout).toContain("********");
  // the file on the host does hold the value: masking is for output, not for the work itself
  expect(readFileSync(join(dir, "secret"), "utf8")).toContain(`export GITHUB_TOKEN=${TOKEN}`);
});
