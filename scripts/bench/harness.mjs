/**
 * The test suite's sshd harness (test/helpers/sshd.ts), compiled on the fly with TypeScript's
 * transpiler so the benchmark starts its servers exactly the way the tests do.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

export async function loadSshdHarness(root) {
  const source = readFileSync(join(root, "test/helpers/sshd.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const dir = mkdtempSync(join(tmpdir(), "tsible-bench-harness-"));
  const file = join(dir, "sshd.mjs");
  writeFileSync(file, outputText);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
