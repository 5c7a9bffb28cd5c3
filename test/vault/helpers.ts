import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { VaultIO } from "../../src/vault/index.js";

/** A vault command's streams: stdin fed from `input`, stdout and stderr collected as text. */
export interface CapturedIO extends VaultIO {
  out(): string;
  err(): string;
}

export function makeIO(input = "", env: NodeJS.ProcessEnv = {}): CapturedIO {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => outChunks.push(c));
  stderr.on("data", (c: Buffer) => errChunks.push(c));
  // PATH and HOME only: the developer's own ANSIBLE_VAULT_PASSWORD_FILE must not leak into tests
  const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return {
    stdin,
    stdout,
    stderr,
    isTTY: false,
    env: { ...baseEnv, ...env },
    out: () => Buffer.concat(outChunks).toString("utf8"),
    err: () => Buffer.concat(errChunks).toString("utf8"),
  };
}

/** A temp folder removed after the test file. */
export function tempDir(): {
  dir: string;
  file(name: string, content: string | Buffer, mode?: number): string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "tsible-vault-test-"));
  return {
    dir,
    file(name, content, mode = 0o644) {
      const path = join(dir, name);
      writeFileSync(path, content);
      chmodSync(path, mode);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

let ansibleReason: string | undefined | null = null;

/**
 * Why the tests that run Debian's ansible-vault cannot run here, or undefined. Under CI a missing
 * ansible-vault is an error (install `ansible-core`), elsewhere those tests are skipped with this reason.
 */
export function ansibleVaultSkipReason(): string | undefined {
  if (ansibleReason === null) {
    const probe = spawnSync("ansible-vault", ["--version"], { encoding: "utf8" });
    ansibleReason =
      probe.status === 0 ? undefined : "ansible-vault is not installed (apt-get install ansible-core)";
  }
  if (ansibleReason && process.env.CI)
    throw new Error(`CI must run the ansible-vault tests: ${ansibleReason}`);
  return ansibleReason;
}

/** Runs Debian's ansible-vault; passwords come from files, never argv. */
export function ansibleVault(
  args: string[],
  input?: string,
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync("ansible-vault", args, {
    encoding: "utf8",
    input: input ?? "",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ANSIBLE_LOCAL_TEMP: tmpdir() },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
