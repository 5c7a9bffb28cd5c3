/**
 * Debian's `docker-registry` on a free loopback port with htpasswd authentication, for docker_login.
 * The docker daemon treats 127.0.0.0/8 registries as insecure by default, so plain HTTP works.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REGISTRY = "/usr/bin/docker-registry";
const HTPASSWD = "/usr/bin/htpasswd";

/** Why the registry tests cannot run here, or undefined. Under CI a missing part is an error. */
export function registrySkipReason(): string | undefined {
  let reason: string | undefined;
  if (!existsSync(REGISTRY)) reason = "docker-registry is not installed (apt-get install docker-registry)";
  else if (!existsSync(HTPASSWD)) reason = "htpasswd is not installed (apt-get install apache2-utils)";
  if (reason && process.env.CI) throw new Error(`CI must run the registry tests: ${reason}`);
  return reason;
}

export interface TestRegistry {
  /** host:port, as docker login takes it. */
  address: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts a registry that accepts `username` with `password` (given to htpasswd on stdin). */
export async function startRegistry(username: string, password: string): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "tsible-registry-"));
  execFileSync(HTPASSWD, ["-B", "-i", "-c", join(dir, "htpasswd"), username], {
    input: password,
    stdio: "pipe",
  });
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log:",
      "  level: warn",
      "storage:",
      "  filesystem:",
      `    rootdirectory: ${join(dir, "data")}`,
      "http:",
      `  addr: ${address}`,
      "auth:",
      "  htpasswd:",
      "    realm: tsible-test",
      `    path: ${join(dir, "htpasswd")}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(REGISTRY, ["serve", join(dir, "config.yml")], { stdio: "ignore" });
  await waitForPort(port, child);
  return {
    address,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      fetch(`http://127.0.0.1:${port}/v2/`)
        .then(() => resolve(true))
        .catch(() => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("docker-registry did not start listening");
}
