import { randomBytes } from "node:crypto";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CliResult, tsible } from "../helpers/cli.js";
import { composeV1SkipReason, dockerCli, dockerQuiet, TEST_IMAGE } from "../helpers/docker.js";
import { registrySkipReason, startRegistry, type TestRegistry } from "../helpers/registry.js";
import { type Sshd, sshdSkipReason, startSshd } from "../helpers/sshd.js";
import { closeServer, issueCert, makeCa, removeCa, startTlsServer, type TestCa } from "../helpers/tls.js";
import {
  buildLegacyVps,
  dbContainer,
  type LegacyNames,
  rootOverSsh,
  SLEEP,
  serviceContainer,
  VOLUME_DATA,
  volumeAt,
  workingDir,
} from "./legacy-vps.js";
import { type CheckRealReal, checkRealReal, rowsFor } from "./playbook-runs.js";
import { snapshot } from "./snapshot.js";

/**
 * The EMS/SMS playbooks end to end: the test sshd as root stands in for the VPS, the real Docker
 * engine runs the stacks (the busybox image standing in for the app, Traefik and PostgreSQL
 * images, network_mode none since the engine has no bridge), and a local TLS server with a test
 * CA stands in for Traefik's HTTPS entrypoint in the validation step. Everything lives under one
 * temp folder and uniquely named Docker objects.
 */
const skip = sshdSkipReason() ?? composeV1SkipReason();
// Without docker-registry the GHCR login is switched off (secrets_docker_login: false).
const registryMissing = skip ? undefined : registrySkipReason();

const id = `e2e${process.pid}${randomBytes(3).toString("hex")}`;
const names: LegacyNames = { infra: `${id}-infra`, ems: `${id}-ems`, sms: `${id}-sms` };
const domains = ["api.ems.e2e.test", "api.sms.e2e.test"];
const token = `ghp_e2e${randomBytes(12).toString("hex")}`;
const registryUser = "e2e-bot";

let root: string;
let sshd: Sshd;
let registry: TestRegistry | undefined;
let ca: TestCa;
let tls: Awaited<ReturnType<typeof startTlsServer>>;
const outputs: string[] = [];

const legacy = () => join(root, "root/apps/ems_system");
const target = () => join(root, "opt/ems_system");
const dockerConfig = () => join(root, "docker/config.json");

function writeInventory(): string {
  const dir = join(root, "inventory");
  mkdirSync(join(dir, "group_vars"), { recursive: true });
  const host = rootOverSsh(sshd);
  writeFileSync(join(dir, "hosts.yml"), JSON.stringify({ ems: { hosts: { vps: host } } }));
  const legacyRoot = legacy();
  const vars = {
    ems_environment: "prod",
    ems_docker_enabled: true,
    ems_owner: "root",
    ems_group: "root",
    ems_root: target(),
    ems_domain: domains[0],
    sms_domain: domains[1],
    legacy_root: legacyRoot,
    secrets_dir: join(root, "root/apps/.secrets"),
    secrets_github_file: join(root, "root/apps/.secrets/github"),
    secrets_owner: "root",
    ghcr_token: token,
    ghcr_registry: registry?.address ?? "ghcr.io",
    ghcr_user: registryUser,
    secrets_docker_login: registry !== undefined,
    secrets_docker_config: dockerConfig(),
    // the stand-ins: busybox everywhere, sleeping; no bridge, no pulls, quick stops
    ems_network_mode: "none",
    ems_stop_grace_period: "1s",
    ems_compose_pull: "never",
    traefik_pull: "never",
    traefik_image: TEST_IMAGE,
    traefik_entrypoint: ["/bin/sh", "-c", "exec sleep 3600", "traefik"],
    traefik_container_name: `${id}-traefik`,
    ems_image: TEST_IMAGE,
    sms_image: TEST_IMAGE,
    ems_postgres_image: TEST_IMAGE,
    sms_postgres_image: TEST_IMAGE,
    ems_command: SLEEP,
    sms_command: SLEEP,
    ems_postgres_command: SLEEP,
    sms_postgres_command: SLEEP,
    ems_proxy_network: `${id}-proxy`,
    traefik_project_name: names.infra,
    ems_project_name: names.ems,
    sms_project_name: names.sms,
    ems_postgres_volume: `${names.ems}_postgres_data`,
    sms_postgres_volume: `${names.sms}_postgres_data`,
    migrate_legacy_stacks: [
      { name: "infra", dir: `${legacyRoot}/servers/infra`, file: "docker-compose.yml", project: names.infra },
      {
        name: "ems",
        dir: `${legacyRoot}/servers/ems/container`,
        file: "docker-compose.prod.yml",
        project: names.ems,
      },
      {
        name: "sms",
        dir: `${legacyRoot}/servers/sms/container`,
        file: "docker-compose.prod.yml",
        project: names.sms,
      },
    ],
    migrate_tls_check: true,
    migrate_tls_host: "127.0.0.1",
    migrate_tls_port: tls.port,
    migrate_tls_ca_path: ca.certPath,
    migrate_container_retries: 10,
    migrate_container_delay: 1,
    migrate_disk_margin_kb: 1024,
  };
  writeFileSync(join(dir, "group_vars/all.yml"), JSON.stringify(vars, null, 2));
  return dir;
}

let inventory: string;
let lockDir: string;
async function runArgs(args: string[]): Promise<CliResult> {
  const result = await tsible(["run", ...args, "-i", inventory], {
    timeoutMs: 240_000,
    env: { TSIBLE_LOCK_DIR: join(lockDir, "run.lock") },
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

function run(playbook: string, ...extra: string[]): Promise<CliResult> {
  return runArgs([`playbooks/${playbook}`, ...extra]);
}

function expectSuccess(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** Running containers of the three projects, by project/service, with the folder they run from. */
function stacks(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const project of Object.values(names)) {
    for (const service of ["traefik", "api", "db"]) {
      const container = serviceContainer(project, service);
      if (container) out[`${project}/${service}`] = `${container} ${workingDir(container)}`;
    }
  }
  return out;
}

function volumeData(app: "ems" | "sms"): string {
  return dockerCli(["exec", dbContainer(names[app]), "cat", "/var/lib/postgresql/data/PG_VERSION"]);
}

let uploads: Map<string, string>;
let letsencrypt: Map<string, string>;
let legacyTree: Map<string, string>;

/**
 * What a run's changed compose ups said (the stacks' `Stack up (pull, up)` and `Infra stack up`),
 * one `task: msg` line per host and stack.
 */
function stackUpMessages(json: string): string[] {
  return json
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(
      (line) =>
        JSON.parse(line) as { type: string; task?: string; changed?: boolean; result?: { msg?: unknown } },
    )
    .filter(
      (e) =>
        e.type === "host_result" &&
        e.changed &&
        /(?:Stack up \(pull, up\)|Infra stack up)$/.test(e.task ?? ""),
    )
    .map((e) => `${e.task}: ${String(e.result?.msg)}`);
}

/** The legacy layout serves: its data is whole and its three stacks run from the legacy folders. */
function expectLegacyServing(): void {
  // the whole legacy tree: data, folder modes (the roles set the new layout's), configs
  expect(snapshot(legacy())).toEqual(legacyTree);
  expect(() => lstatSync(join(target(), ".migration/done"))).toThrow();
  const running = stacks();
  expect(Object.keys(running).sort()).toEqual(
    [
      `${names.ems}/api`,
      `${names.ems}/db`,
      `${names.infra}/traefik`,
      `${names.sms}/api`,
      `${names.sms}/db`,
    ].sort(),
  );
  for (const where of Object.values(running)) expect(where).toContain(` ${legacy()}/servers/`);
  for (const app of ["ems", "sms"] as const) {
    expect(volumeData(app)).toBe(`${VOLUME_DATA} ${app}`);
    // the api reads the uploads through the legacy relative path
    const api = serviceContainer(names[app], "api");
    expect(dockerCli(["exec", api, "cat", "/app/uploads/sms/ação ñ 日本.csv"])).toBe("a,b\n1,2");
  }
}

describe.skipIf(skip)(
  `EMS/SMS over SSH with Docker${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 240_000 },
  () => {
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "tsible-ems-e2e-"));
      chmodSync(root, 0o755);
      // the run lock outside the tree the tests snapshot
      lockDir = mkdtempSync(join(tmpdir(), "tsible-ems-e2e-lock-"));
      sshd = await startSshd();
      if (!registryMissing) registry = await startRegistry(registryUser, token);
      ca = makeCa("tsible e2e CA");
      tls = await startTlsServer(issueCert(ca, domains));
      inventory = writeInventory();
      buildLegacyVps(legacy(), names, domains);
      uploads = snapshot(join(legacy(), "uploads"));
      letsencrypt = snapshot(join(legacy(), "servers/infra/letsencrypt"));
      legacyTree = snapshot(legacy());
    }, 120_000);

    afterAll(async () => {
      const left = dockerCli(["ps", "-aq", "--filter", `name=${id}`])
        .split("\n")
        .filter(Boolean);
      if (left.length > 0) dockerQuiet(["rm", "-f", ...left]);
      for (const project of [names.ems, names.sms]) dockerQuiet(["volume", "rm", `${project}_postgres_data`]);
      dockerQuiet(["network", "rm", `${id}-proxy`]);
      await sshd?.stop();
      await registry?.stop();
      if (tls) await closeServer(tls.server);
      if (ca) removeCa(ca);
      if (root) rmSync(root, { recursive: true, force: true });
      if (lockDir) rmSync(lockDir, { recursive: true, force: true });
    });

    test("the legacy VPS runs: relative paths, odd uploads, a 0600 acme.json, data in the named volumes", () => {
      expect(uploads.get("ems/line\nbreak.txt")).toMatch(/^file 644 0:0 /);
      expect(uploads.get("sms/.hidden")).toMatch(/^file 400 0:0 /);
      expect(uploads.get("ems/latest.pdf")).toBe("link 0:0 2024/relatório final (v2).pdf");
      expect(letsencrypt.get("acme.json")).toMatch(/^file 600 0:0 /);
      expectLegacyServing();
    });

    test("the check run succeeds and changes nothing", async () => {
      const tree = snapshot(root);
      const running = stacks();
      const check = await run("migrate.yml", "--check", "--diff");
      expectSuccess(check);
      expect(check.stdout).toContain("Old stacks down");
      expect(snapshot(root)).toEqual(tree);
      expect(stacks()).toEqual(running);
    });

    test.each(["backup", "validate"])(
      "a failure injected after %s leaves the old layout serving with its data",
      async (step) => {
        const failed = await run("migrate.yml", "-e", `migrate_fail_at=${step}`);
        expect(failed.code, failed.stdout).not.toBe(0);
        expect(failed.stdout).toContain(`failed at step '${step}' and was rolled back`);
        expectLegacyServing();
      },
    );

    // What each docker row asserts beyond check-mode truth and idempotence (playbook-runs.ts).
    const rowChecks: Record<string, (runs: CheckRealReal) => void> = {
      "migrate.yml": ({ check, real, second }) => {
        expect(real.changed.join("\n")).toContain("migrate : Compose stacks to the wanted state");
        // the new compose files and .env exist only in the check run's view: compose itself still
        // predicted each stack's up from them (its plan, not a stand-in, and not a guess from the file change)
        const predicted = stackUpMessages(check.json);
        expect(predicted, check.changed.join("\n")).toHaveLength(3);
        for (const line of predicted) expect(line).toMatch(/: check mode: would (?:create|recreate) \S/);
        expect(snapshot(join(target(), "data/uploads"))).toEqual(uploads);
        const moved = snapshot(join(target(), "data/letsencrypt"));
        expect(moved).toEqual(letsencrypt);
        expect(() => lstatSync(join(legacy(), "uploads"))).toThrow();
        expect(readFileSync(join(target(), "servers/ems/init.sql"), "utf8")).toContain("pgcrypto");
        expect(() => lstatSync(join(target(), "servers/ems/lib"))).toThrow();
        const env = readFileSync(join(target(), "servers/ems/.env"), "utf8");
        expect(env).toContain("POSTGRES_PASSWORD=e2e-ems-db\n");
        expect(env).toContain(`UPLOADS_HOST_PATH=${target()}/data/uploads\n`);
        expect(statSync(join(target(), "servers/ems/.env")).mode & 0o777).toBe(0o600);

        const running = stacks();
        expect(Object.keys(running)).toHaveLength(5);
        for (const where of Object.values(running)) expect(where).toContain(` ${target()}/servers/`);
        for (const app of ["ems", "sms"] as const) {
          const db = dbContainer(names[app]);
          expect(volumeAt(db, "/var/lib/postgresql/data")).toBe(`${names[app]}_postgres_data`);
          expect(volumeData(app)).toBe(`${VOLUME_DATA} ${app}`);
          const api = serviceContainer(names[app], "api");
          expect(volumeAt(api, "/app/uploads")).toBe(`${target()}/data/uploads`);
          expect(dockerCli(["exec", api, "cat", "/app/uploads/ems/2024/relatório final (v2).pdf"])).toBe(
            "pdf bytes",
          );
        }
        const traefik = serviceContainer(names.infra, "traefik");
        expect(volumeAt(traefik, "/letsencrypt")).toBe(`${target()}/data/letsencrypt`);
        expect(second.stdout).toContain("the migration already happened");
      },
      "site.yml": ({ real }) => {
        expect(real.changed.join("\n")).toContain("secrets : GHCR token file (0600)");
        const tokenFile = join(root, "root/apps/.secrets/github");
        expect(readFileSync(tokenFile, "utf8")).toBe(`export GITHUB_TOKEN=${token}\n`);
        expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
        if (registry) {
          expect(real.changed.join("\n")).toContain(
            "secrets : Docker logged in to the registry (token on stdin)",
          );
          const config = JSON.parse(readFileSync(dockerConfig(), "utf8")) as {
            auths: Record<string, unknown>;
          };
          expect(Object.keys(config.auths)).toContain(registry.address);
        }
        for (const app of ["ems", "sms"] as const) expect(volumeData(app)).toBe(`${VOLUME_DATA} ${app}`);
      },
      "rotate-token.yml": ({ real }) => {
        // the forced login ran and found the registry's credentials already in place
        if (registry)
          expect(real.stdout).toContain("TASK [secrets : Docker logged in to the registry (token on stdin)]");
      },
      "update.yml": ({ real }) => {
        expect(real.stdout).toContain("Stack up (pull, up)");
        expect(Object.keys(stacks())).toHaveLength(5);
      },
    };

    for (const row of rowsFor("docker")) {
      test(`${row.playbook}: check → real → real (${row.note})`, async () => {
        const runs = await checkRealReal(row, runArgs, () => ({ tree: snapshot(root), stacks: stacks() }));
        outputs.push(runs.check.json, runs.real.json, runs.second.json);
        rowChecks[row.playbook]?.(runs);
      });
    }

    test("the GHCR token never appears in any output", () => {
      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) expect(output).not.toContain(token);
    });
  },
);
