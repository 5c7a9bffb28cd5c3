import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tsible } from "../helpers/cli.js";
import { snapshot } from "./snapshot.js";

/**
 * The EMS/SMS playbooks run for real against the sandbox inventory: this machine, connection
 * local, everything rooted in a temp folder, Docker switched off (ems_docker_enabled: false).
 * Docker end-to-end runs (compose stacks, PostgreSQL volume, TLS) are a separate suite.
 */

let root: string;
let lockDir: string;
const legacy = () => join(root, "root/apps/ems_system");
const target = () => join(root, "opt/ems_system");

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tsible-ems-"));
  // each test its own run lock (outside the sandbox): test files run side by side on one host
  lockDir = mkdtempSync(join(tmpdir(), "tsible-ems-lock-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(lockDir, { recursive: true, force: true });
});

function run(playbook: string, ...extra: string[]) {
  return tsible(["run", `playbooks/${playbook}`, "-i", "inventory/sandbox", ...extra], {
    env: { TSIBLE_SANDBOX: root, TSIBLE_LOCK_DIR: join(lockDir, "run.lock") },
  });
}

function expectSuccess(result: { code: number; stdout: string; stderr: string }) {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

describe("site.yml in the sandbox", () => {
  // check → real → real: every-playbook.test.ts
  it("never overwrites an existing acme.json, only fixes its mode", async () => {
    expectSuccess(await run("site.yml"));
    const acme = join(target(), "data/letsencrypt/acme.json");
    const { writeFileSync, chmodSync } = await import("node:fs");
    writeFileSync(acme, '{"letsencrypt":{}}');
    chmodSync(acme, 0o644);
    expectSuccess(await run("site.yml"));
    expect(readFileSync(acme, "utf8")).toBe('{"letsencrypt":{}}');
    expect(statSync(acme).mode & 0o777).toBe(0o600);
  }, 120_000);
});

describe("migrate.yml on a seeded legacy tree", () => {
  // check → real → real, and what the migration moved: every-playbook.test.ts

  // preflight failures change nothing by design: see "refuses a target that already holds different data"
  it.each(["backup", "stop", "move", "configure", "start", "validate"])(
    "a failure injected after %s rolls back with the data intact, and a re-run then migrates",
    async (step) => {
      expectSuccess(await run("sandbox-seed.yml"));
      const uploads = snapshot(join(legacy(), "uploads"));
      // the whole legacy tree: data, folder modes (the roles set the new layout's), configs
      const before = snapshot(legacy());

      const failed = await run("migrate.yml", "-e", `migrate_fail_at=${step}`);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout).toContain(`failed at step '${step}' and was rolled back`);
      expect(snapshot(legacy())).toEqual(before);
      expect(() => lstatSync(join(target(), ".migration/done"))).toThrow();
      expect(() => lstatSync(join(target(), ".migration/moving"))).toThrow();
      // the backup the failure left is whole, and says so
      const backups = readdirSync(join(target(), "data/backups"));
      expect(backups).toHaveLength(1);
      expect(readdirSync(join(target(), "data/backups", backups[0]!))).toContain("COMPLETE");

      const resumed = await run("migrate.yml");
      expectSuccess(resumed);
      expect(snapshot(join(target(), "data/uploads"))).toEqual(uploads);
    },
    180_000,
  );

  it("cleans up the legacy tree only when asked, after the migration (an empty data folder moves too)", async () => {
    expectSuccess(await run("sandbox-seed.yml"));
    // an empty item: its checksum list is empty, which must verify as nothing to check
    rmSync(join(legacy(), "logs/api.log"));
    expectSuccess(await run("migrate.yml"));
    expect(readdirSync(join(target(), "logs/legacy"))).toEqual([]);
    expect(lstatSync(legacy()).isDirectory()).toBe(true);
    const cleanup = await run("migrate.yml", "-e", "migrate_cleanup_legacy=true");
    expectSuccess(cleanup);
    expect(() => lstatSync(legacy())).toThrow();
    expect(lstatSync(join(target(), "data/uploads/ems/latest.pdf")).isSymbolicLink()).toBe(true);
  }, 180_000);

  it("refuses a target that already holds different data, changing nothing", async () => {
    expectSuccess(await run("sandbox-seed.yml"));
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(join(target(), "data/uploads"), { recursive: true });
    writeFileSync(join(target(), "data/uploads/other.txt"), "not from the legacy tree\n");
    const before = snapshot(root);
    const result = await run("migrate.yml");
    expect(result.code).not.toBe(0);
    expect(result.stdout).toContain("already holds data that differs");
    expect(snapshot(root)).toEqual(before);
  }, 120_000);
});
