import { spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliResult, tsible } from "../helpers/cli.js";
import {
  type CheckRealReal,
  checkRealReal,
  PLAYBOOK_ROWS,
  type PlaybookRow,
  playbooksOnDisk,
  rolesOnDisk,
  rolesUsedBy,
  rowsFor,
} from "./playbook-runs.js";
import { snapshot } from "./snapshot.js";

/**
 * Every playbook and role in the repository, check → real → real (the table and what is asserted:
 * playbook-runs.ts). This file fails when one is not covered, and runs the sandbox rows; the docker
 * rows run in docker-e2e.test.ts.
 */

const WHERE_TO_ADD =
  "add a row to PLAYBOOK_ROWS in test/ems/playbook-runs.ts: `sandbox` when it runs with Docker off " +
  "(inventory/sandbox), `docker` for what needs the engine (run on docker-e2e.test.ts's legacy VPS)";

describe("every playbook and role has a check → real → real run", () => {
  it("each playbook in playbooks/ has a row", () => {
    const covered = new Set(PLAYBOOK_ROWS.map((row) => row.playbook));
    const missing = playbooksOnDisk().filter((playbook) => !covered.has(playbook));
    expect(
      missing,
      `playbooks without a check → real → real run: ${missing.join(", ")}; ${WHERE_TO_ADD}`,
    ).toEqual([]);
    const gone = [...covered].filter((playbook) => !playbooksOnDisk().includes(playbook));
    expect(gone, "rows for playbooks that are no longer in playbooks/").toEqual([]);
  });

  it("each role in roles/ is used by a playbook that has a row", () => {
    const used = new Set(PLAYBOOK_ROWS.flatMap((row) => rolesUsedBy(row.playbook)));
    const missing = rolesOnDisk().filter((role) => !used.has(role));
    expect(
      missing,
      `roles no covered playbook uses: ${missing.join(", ")}; use each from a playbook in playbooks/ ` +
        `(roles:, include_role, or a meta dependency) and ${WHERE_TO_ADD}`,
    ).toEqual([]);
  });

  it("reads roles through plays, included roles and meta dependencies", () => {
    // site.yml names ems; ems includes app_stack; app_stack depends on ems_common
    expect(rolesUsedBy("site.yml")).toEqual(["app_stack", "ems", "ems_common", "secrets", "sms", "traefik"]);
    // migrate.yml names migrate, whose task files include traefik, ems and sms
    expect(rolesUsedBy("migrate.yml")).toEqual([
      "app_stack",
      "ems",
      "ems_common",
      "migrate",
      "sms",
      "traefik",
    ]);
    expect(rolesUsedBy("sandbox-seed.yml")).toEqual([]);
  });
});

let root: string;
let aside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tsible-ems-"));
  // the run lock and mkcert's CA live outside the sandbox, so snapshots of it see only the playbooks' work
  aside = mkdtempSync(join(tmpdir(), "tsible-ems-aside-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(aside, { recursive: true, force: true });
});

const legacy = () => join(root, "root/apps/ems_system");
const target = () => join(root, "opt/ems_system");

function sandboxRun(args: string[]): Promise<CliResult> {
  return tsible(["run", ...args, "-i", "inventory/sandbox"], {
    env: { TSIBLE_SANDBOX: root, TSIBLE_LOCK_DIR: join(aside, "run.lock"), CAROOT: join(aside, "mkcert") },
  });
}

function expectSuccess(result: CliResult) {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

const mkcertMissing = spawnSync("mkcert", ["-help"]).error !== undefined;
if (mkcertMissing && process.env.CI)
  throw new Error("CI must run dev.yml's sandbox row: mkcert is not installed");

/** What each row asserts beyond check-mode truth and idempotence. */
const sandboxChecks: Record<string, (runs: CheckRealReal, seeded: Map<string, Map<string, string>>) => void> =
  {
    "site.yml": ({ real }) => {
      const acme = statSync(join(target(), "data/letsencrypt/acme.json"));
      expect(acme.mode & 0o777).toBe(0o600);
      const token = join(root, "root/apps/.secrets/github");
      expect(statSync(token).mode & 0o777).toBe(0o600);
      expect(readFileSync(token, "utf8")).toBe("export GITHUB_TOKEN=sandbox-token-not-real-0000\n");
      expect(real.stdout).not.toContain("sandbox-token-not-real-0000");
      const env = readFileSync(join(target(), "servers/ems/.env"), "utf8");
      expect(env).toContain(`UPLOADS_HOST_PATH=${target()}/data/uploads\n`);
      expect(env).toContain(`LOGS_HOST_PATH=${target()}/logs/ems\n`);
      const compose = readFileSync(join(target(), "servers/sms/docker-compose.yml"), "utf8");
      expect(compose).toContain("Host(`api.sms.example`)");
      expect(compose).toContain("tls.certresolver=letsencrypt");
      expect(compose).toContain('name: "sms_postgres_data"');
    },
    "migrate.yml": ({ real, second }, seeded) => {
      expect(real.changed.join("\n")).toContain("migrate : Data moved into the new tree");
      expect(snapshot(join(target(), "data/uploads"))).toEqual(seeded.get("uploads"));
      const moved = snapshot(join(target(), "data/letsencrypt"));
      expect(moved).toEqual(seeded.get("letsencrypt"));
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
      expect(readdirSync(join(target(), "data/backups", backups[0]!))).toEqual(
        expect.arrayContaining(["COMPLETE", "uploads.tar.gz.sha256", "letsencrypt.listing"]),
      );
      expect(readdirSync(join(target(), ".migration"))).toEqual(["done"]);
      expect(second.stdout).toContain("the migration already happened");
      expect(lstatSync(legacy()).isDirectory()).toBe(true);
    },
    "dev.yml": () => {
      const certs = join(target(), "servers/infra/certs");
      expect(readFileSync(join(certs, "local.pem"), "utf8")).toContain("BEGIN CERTIFICATE");
      expect(readFileSync(join(certs, "tls.yml"), "utf8")).toContain("certFile: /certs/local.pem");
      const compose = readFileSync(join(target(), "servers/infra/docker-compose.yml"), "utf8");
      expect(compose).toContain("--providers.file.filename=/certs/tls.yml");
      expect(compose).not.toContain("acme");
      expect(readFileSync(join(target(), "servers/ems/docker-compose.yml"), "utf8")).not.toContain(
        "certresolver",
      );
    },
    "rotate-token.yml": () => {
      const token = join(root, "root/apps/.secrets/github");
      expect(readFileSync(token, "utf8")).toBe("export GITHUB_TOKEN=sandbox-token-not-real-0000\n");
    },
  };

function skipReason(row: PlaybookRow): string | undefined {
  if (row.playbook === "dev.yml" && mkcertMissing) return "mkcert is not installed";
  return undefined;
}

describe.each(rowsFor("sandbox"))("$playbook in the sandbox: check → real → real", (row) => {
  const skip = skipReason(row);
  it.skipIf(skip)(
    `${row.note}${skip ? ` (skipped: ${skip})` : ""}`,
    async () => {
      for (const playbook of row.before ?? []) expectSuccess(await sandboxRun([`playbooks/${playbook}`]));
      const seeded = new Map<string, Map<string, string>>();
      if (row.before?.includes("sandbox-seed.yml")) {
        seeded.set("uploads", snapshot(join(legacy(), "uploads")));
        seeded.set("letsencrypt", snapshot(join(legacy(), "servers/infra/letsencrypt")));
      }
      const runs = await checkRealReal(row, sandboxRun, () => snapshot(root));
      expect(runs.real.changed.length, "a real run on a fresh sandbox changes something").toBeGreaterThan(0);
      sandboxChecks[row.playbook]?.(runs, seeded);
    },
    120_000,
  );
});
