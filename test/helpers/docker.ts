/**
 * The Docker engine the deployment-module tests use: started (and its busybox image imported) by
 * .ci/setup-docker.sh, which CI runs too. A missing engine skips the tests here and fails them under CI.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The local image every test container runs: busybox-static imported with `docker import`. */
export const TEST_IMAGE = "tsible-test/busybox:1";

const SETUP_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".ci", "setup-docker.sh");

let cachedReason: string | undefined | null = null;

/** Why the docker tests cannot run here, or undefined. Under CI a missing part is an error, not a skip. */
export function dockerSkipReason(): string | undefined {
  if (cachedReason === null) cachedReason = findReason();
  if (cachedReason && process.env.CI) throw new Error(`CI must run the docker tests: ${cachedReason}`);
  return cachedReason;
}

function findReason(): string | undefined {
  if (ready()) return undefined;
  if (process.getuid?.() === 0 && existsSync(SETUP_SCRIPT)) {
    // The same script CI runs: installs what is missing, starts dockerd, imports the image.
    const setup = spawnSync("bash", [SETUP_SCRIPT], { encoding: "utf8", timeout: 300_000 });
    if (ready()) return undefined;
    return `.ci/setup-docker.sh could not prepare docker: ${(setup.stderr || setup.stdout).trim().slice(-300)}`;
  }
  return "the docker engine is not running and the tests are not root (run .ci/setup-docker.sh)";
}

function ready(): boolean {
  const info = spawnSync("docker", ["image", "inspect", TEST_IMAGE], { encoding: "utf8" });
  return info.status === 0;
}

/** `docker-compose` (v1) is what this machine has; the v2 plugin is only tested from recorded samples. */
export function composeV1SkipReason(): string | undefined {
  const docker = dockerSkipReason();
  if (docker) return docker;
  const found = spawnSync("docker-compose", ["version"], { encoding: "utf8" });
  const reason = found.status === 0 ? undefined : "docker-compose (v1) is not installed";
  if (reason && process.env.CI) throw new Error(`CI must run the compose tests: ${reason}`);
  return reason;
}

/** Runs a docker command in a test (setup or assertions), returning its trimmed output. */
export function dockerCli(args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Runs a docker command whose failure is fine (cleanup of what may not exist). */
export function dockerQuiet(args: string[]): void {
  spawnSync("docker", args, { stdio: "ignore" });
}

/** A name no other test run uses: docker objects are global to the engine. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
