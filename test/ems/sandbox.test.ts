import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changedTasks, recapLines, tsible } from "../helpers/cli.js";
import { snapshot } from "./snapshot.js";

/**
 * The EMS/SMS playbooks run for real against the sandbox inventory: this machine, connection
 * local, everything rooted in a temp folder, Docker switched off (ems_docker_enabled: false).
 * Docker end-to-end runs (compose stacks, PostgreSQL volume, TLS) are a separate suite.
 */

let root: string;
const legacy = () => join(root, "root/apps/ems_system");
const target = () => join(root, "opt/ems_system");

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tsible-ems-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function run(playbook: string, ...extra: string[]) {
  return tsible(["run", `playbooks/${playbook}`, "-i", "inventory/sandbox", ...extra], {
    env: { TSIBLE_SANDBOX: root },
  });
}

function changedCount(stdout: string): number {
  const recap = recapLines(stdout)[0] ?? "";
  return Number(/changed=(\d+)/.exec(recap)?.[1] ?? Number.NaN);
}

function expectSuccess(result: { code: number; stdout: string; stderr: string }) {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

describe("site.yml in the sandbox", () => {
  it("check mode writes nothing; the real run converges; a second run changes nothing", async () => {
    const check = await run("site.yml", "--check", "--diff");
    expectSuccess(check);
    expect(readdirSync(root)).toEqual([]);
    const predicted = changedTasks(check.stdout);

    const first = await run("site.yml");
    expectSuccess(first);
    expect(changedTasks(first.stdout)).toEqual(predicted);
    const acme = statSync(join(target(), "data/letsencrypt/acme.json"));
    expect(acme.mode & 0o777).toBe(0o600);
    const token = join(root, "root/apps/.secrets/github");
    expect(statSync(token).mode & 0o777).toBe(0o600);
    expect(readFileSync(token, "utf8")).toBe("export GITHUB_TOKEN=sandbox-token-not-real-0000\n");
    expect(first.stdout).not.toContain("sandbox-token-not-real-0000");
    const env = readFileSync(join(target(), "servers/ems/.env"), "utf8");
    expect(env).toContain(`UPLOADS_HOST_PATH=${target()}/data/uploads\n`);
    expect(env).toContain(`LOGS_HOST_PATH=${target()}/logs/ems\n`);
    const compose = readFileSync(join(target(), "servers/sms/docker-compose.yml"), "utf8");
    expect(compose).toContain("Host(`api.sms.example`)");
    expect(compose).toContain("tls.certresolver=letsencrypt");
    expect(compose).toContain('name: "sms_postgres_data"');

    const second = await run("site.yml");
    expectSuccess(second);
    expect(changedCount(second.stdout)).toBe(0);
  }, 120_000);

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
  it("check mode predicts and writes nothing; the real run moves every file; a re-run changes nothing", async () => {
    expectSuccess(await run("sandbox-seed.yml"));
    const uploads = snapshot(join(legacy(), "uploads"));
    const letsencrypt = snapshot(join(legacy(), "servers/infra/letsencrypt"));
    expect(uploads.get("ems/line\nbreak.txt")).toMatch(/^file 644 \d+:\d+ /);
    expect(uploads.get("sms/dangling")).toMatch(/^link \d+:\d+ does-not-exist$/);

    const before = snapshot(root);
    const check = await run("migrate.yml", "--check", "--diff");
    expectSuccess(check);
    expect(snapshot(root)).toEqual(before);

    const real = await run("migrate.yml");
    expectSuccess(real);
    // Check-mode truth: the check run names exactly the tasks the real run changes. It cannot
    // see moved data or rsync's files, so the roles keep those out of its way (folders made
    // before rsync, .env copied by a module, acme.json tasks skipped while the move is pending).
    expect(changedTasks(real.stdout)).toEqual(changedTasks(check.stdout));
    expect(changedTasks(real.stdout)).toContain("migrate : Data moved into the new tree");
    expect(snapshot(join(target(), "data/uploads"))).toEqual(uploads);
    const moved = snapshot(join(target(), "data/letsencrypt"));
    expect(moved).toEqual(letsencrypt);
    expect(moved.get("acme.json")).toMatch(/^file 600 \d+:\d+ /);
    // the data left the legacy tree; its configs were synced, the app source was not
    expect(() => lstatSync(join(legacy(), "uploads"))).toThrow();
    expect(readFileSync(join(target(), "servers/ems/init.sql"), "utf8")).toContain("pgcrypto");
    expect(() => lstatSync(join(target(), "servers/ems/lib"))).toThrow();
    const env = readFileSync(join(target(), "servers/ems/.env"), "utf8");
    expect(env).toContain("POSTGRES_PASSWORD=sandbox-ems-db\n");
    expect(env).toContain(`UPLOADS_HOST_PATH=${target()}/data/uploads\n`);
    expect(env).not.toContain("../../../uploads");
    const backups = readdirSync(join(target(), "data/backups"));
    expect(backups).toHaveLength(1);
    expect(readdirSync(join(target(), "data/backups", backups[0]!))).toContain("uploads.tar.gz.sha256");

    const again = await run("migrate.yml");
    expectSuccess(again);
    expect(changedCount(again.stdout)).toBe(0);
    expect(again.stdout).toContain("the migration already happened");
    expect(lstatSync(legacy()).isDirectory()).toBe(true);
  }, 180_000);

  // preflight failures change nothing by design: see "refuses a target that already holds different data"
  it.each(["backup", "stop", "move", "configure", "start", "validate"])(
    "a failure injected after %s rolls back with the data intact, and a re-run then migrates",
    async (step) => {
      expectSuccess(await run("sandbox-seed.yml"));
      const uploads = snapshot(join(legacy(), "uploads"));
      const letsencrypt = snapshot(join(legacy(), "servers/infra/letsencrypt"));

      const failed = await run("migrate.yml", "-e", `migrate_fail_at=${step}`);
      expect(failed.code).not.toBe(0);
      expect(failed.stdout).toContain(`failed at step '${step}' and was rolled back`);
      expect(snapshot(join(legacy(), "uploads"))).toEqual(uploads);
      expect(snapshot(join(legacy(), "servers/infra/letsencrypt"))).toEqual(letsencrypt);
      expect(() => lstatSync(join(target(), ".migration/done"))).toThrow();

      const resumed = await run("migrate.yml");
      expectSuccess(resumed);
      expect(snapshot(join(target(), "data/uploads"))).toEqual(uploads);
    },
    180_000,
  );

  it("cleans up the legacy tree only when asked, after the migration", async () => {
    expectSuccess(await run("sandbox-seed.yml"));
    expectSuccess(await run("migrate.yml"));
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
