import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { decryptText, VaultKeyring } from "../../src/vault/index.js";
import { tempDir } from "./helpers.js";

/** A real pseudo-terminal comes from util-linux `script`; without it these tests are skipped (failed under CI). */
function scriptSkipReason(): string | undefined {
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  const reason = probe.status === 0 ? undefined : "util-linux `script` is not installed (it provides a pty)";
  if (reason && process.env.CI) throw new Error(`CI must run the TTY prompt tests: ${reason}`);
  return reason;
}

const skip = scriptSkipReason();
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Transpiles the vault code (and what it imports) to plain JS, so a child node process runs it on a pty. */
function buildVaultJs(): string {
  const out = join(tmp.dir, "src");
  const files = ["errors.ts", "load/tagged.ts", ...readdirSync(join(SRC, "vault")).map((f) => `vault/${f}`)];
  for (const file of files.filter((f) => f.endsWith(".ts"))) {
    const js = ts.transpileModule(readFileSync(join(SRC, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file.replace(/\.ts$/, ".js")), js);
  }
  writeFileSync(join(tmp.dir, "package.json"), '{"type":"module"}');
  const main = join(tmp.dir, "main.js");
  writeFileSync(
    main,
    `import { runVaultCommand } from "./src/vault/index.js";
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stdin.isTTY) };
process.exitCode = await runVaultCommand(process.argv.slice(2), io);
`,
  );
  return main;
}

/** Runs `node main.js args` on a pty; each time `when` appears in the output, types the matching keys. */
function onPty(main: string, args: string[], dialogue: Array<[string, string]>): Promise<string> {
  const command = ["node", main, ...args].map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qefc", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let step = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const next = dialogue[step];
      if (next && output.includes(next[0])) {
        step++;
        child.stdin.write(next[1]);
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(output));
  });
}

describe.skipIf(skip !== undefined)(
  `--ask-vault-pass on a terminal${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    const main = skip ? "" : buildVaultJs();

    it("reads the password without echoing it, honouring backspace", async () => {
      const output = await onPty(
        main,
        ["encrypt_string", "--ask-vault-pass", "--name", "tok", "visible-value"],
        [
          ["New Vault password: ", "tty-passwordX\x7f\r"],
          ["Confirm New Vault password: ", "tty-password\r"],
        ],
      );
      expect(output).not.toContain("tty-password");
      expect(output).toContain("Encryption successful");
      const block = output.replaceAll("\r\n", "\n").match(/tok: !vault \|\n((?: {10}.*\n)+)/);
      expect(block).not.toBeNull();
      const ring = new VaultKeyring();
      ring.add("default", "tty-password");
      expect(decryptText(block![1]!.replaceAll(" ", ""), ring, "pty")).toBe("visible-value");
    });

    it("stops at ctrl-c without writing anything", async () => {
      const file = tmp.file("keep.txt", "plain\n");
      const output = await onPty(
        main,
        ["encrypt", "--ask-vault-pass", file],
        [["New Vault password: ", "abc\x03"]],
      );
      expect(output).toContain("interrupted at the password prompt");
      expect(readFileSync(file, "utf8")).toBe("plain\n");
    });
  },
);
