import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { parse } from "yaml";
import { type CliResult, ROOT } from "../helpers/cli.js";

/**
 * Check-mode truth and idempotence for every playbook in playbooks/: each one has a row here, and
 * the suite named by its row runs it check → real → real, asserting that the check run reports
 * changed exactly the tasks (per host and loop item) the real run changes, that it writes nothing,
 * that the real run exits 0, and that the second real run changes nothing.
 *
 *   sandbox  test/ems/every-playbook.test.ts: inventory/sandbox in a temp folder, connection
 *            local, Docker off (files are rendered, nothing is started)
 *   docker   test/ems/docker-e2e.test.ts: a legacy VPS under a temp folder, over the test sshd as
 *            root, the real Docker engine; rows run in table order on that one host
 *
 * every-playbook.test.ts fails when a playbook on disk has no row, or when a role in roles/ is
 * used by no playbook that has one (through `roles:`, include_role/import_role in any task file,
 * or meta dependencies).
 */
export interface PlaybookRow {
  /** The file name in playbooks/. */
  playbook: string;
  where: "sandbox" | "docker";
  /** Arguments added to all three runs. */
  args?: string[];
  /** Playbooks run for real first, to give the playbook what it works on. */
  before?: string[];
  /** Why this environment, and what it leaves out. */
  note: string;
}

export const PLAYBOOK_ROWS: PlaybookRow[] = [
  {
    playbook: "sandbox-seed.yml",
    where: "sandbox",
    note: "builds the fake legacy tree; it refuses any inventory with Docker on",
  },
  {
    playbook: "site.yml",
    where: "sandbox",
    note: "a fresh host: every file of every role (Docker tasks off)",
  },
  {
    playbook: "migrate.yml",
    where: "sandbox",
    before: ["sandbox-seed.yml"],
    note: "the seeded legacy tree: backup, move, configs, .env, acme.json (Docker tasks off)",
  },
  {
    playbook: "rotate-token.yml",
    where: "sandbox",
    note: "the token file (docker login is off without Docker)",
  },
  {
    playbook: "update.yml",
    where: "sandbox",
    note: "Docker off: only ems_common's folders; the pulls and ups run in its docker row",
  },
  {
    playbook: "dev.yml",
    where: "sandbox",
    args: ["-e", "ems_environment=dev"],
    // inventory/dev writes into the checkout's .dev-data and starts Docker stacks on this machine;
    // the Docker tasks dev.yml runs are site.yml's, covered by the docker rows
    note: "its sandbox equivalent: ems_environment=dev, mkcert's CA in a temp folder, tls.yml, dev compose files",
  },
  {
    playbook: "migrate.yml",
    where: "docker",
    note: "the legacy VPS with its three stacks running: down, move, up on the new layout, TLS validated",
  },
  {
    playbook: "site.yml",
    where: "docker",
    note:
      "after the migration: the token file and the registry login (a local docker-registry). Let's Encrypt " +
      "cannot run here: Traefik is a busybox stand-in keeping the migrated acme.json",
  },
  {
    playbook: "rotate-token.yml",
    where: "docker",
    note: "after site.yml: the forced login finds the same credentials and changes nothing",
  },
  {
    playbook: "update.yml",
    where: "docker",
    note: "pull and up of the converged stacks (pull never: the stand-in image is local)",
  },
];

export function rowsFor(where: PlaybookRow["where"]): PlaybookRow[] {
  return PLAYBOOK_ROWS.filter((row) => row.where === where);
}

export const PLAYBOOKS_DIR = join(ROOT, "playbooks");
export const ROLES_DIR = join(ROOT, "roles");

/** The playbooks and roles on disk. */
export function playbooksOnDisk(): string[] {
  return readdirSync(PLAYBOOKS_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

export function rolesOnDisk(): string[] {
  return readdirSync(ROLES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

type Yaml = unknown;

function readYaml(path: string): Yaml {
  return parse(readFileSync(path, "utf8"), { version: "1.1", logLevel: "error" }) as Yaml;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const ROLE_KEYS = [
  "include_role",
  "import_role",
  "ansible.builtin.include_role",
  "ansible.builtin.import_role",
];
const TASK_FILE_KEYS = [
  "include_tasks",
  "import_tasks",
  "ansible.builtin.include_tasks",
  "ansible.builtin.import_tasks",
];

/** A role reference (`name`, `{role: name}`, `{name: name}`) as a plain name. */
function roleName(ref: unknown, where: string): string {
  const name = isRecord(ref) ? (ref.role ?? ref.name) : ref;
  if (typeof name !== "string" || name.includes("{{"))
    throw new Error(`${where}: a role named by a template (${JSON.stringify(ref)}); name it plainly`);
  return name.replace(/^.*\//, "");
}

/** Roles and task files that a list of tasks uses (blocks, rescue and always included). */
function scanTasks(tasks: unknown, where: string, roles: Set<string>, taskFiles: string[]): void {
  if (!Array.isArray(tasks)) return;
  for (const task of tasks) {
    if (!isRecord(task)) continue;
    for (const key of ROLE_KEYS) if (key in task) roles.add(roleName(task[key], where));
    for (const key of TASK_FILE_KEYS) {
      const file = isRecord(task[key]) ? (task[key] as Record<string, unknown>).file : task[key];
      if (typeof file === "string" && !file.includes("{{")) taskFiles.push(file);
    }
    for (const key of ["block", "rescue", "always"]) scanTasks(task[key], where, roles, taskFiles);
  }
}

/** The roles a playbook uses, directly and through other roles (task files and meta dependencies). */
export function rolesUsedBy(playbook: string): string[] {
  const roles = new Set<string>();
  const path = join(PLAYBOOKS_DIR, playbook);
  const plays = readYaml(path);
  if (!Array.isArray(plays)) throw new Error(`${path}: not a list of plays`);
  for (const play of plays) {
    if (!isRecord(play)) continue;
    if (typeof play.import_playbook === "string") {
      for (const role of rolesUsedBy(play.import_playbook)) roles.add(role);
      continue;
    }
    for (const ref of Array.isArray(play.roles) ? play.roles : []) roles.add(roleName(ref, path));
    for (const section of ["pre_tasks", "tasks", "post_tasks", "handlers"]) {
      const files: string[] = [];
      scanTasks(play[section], path, roles, files);
      for (const file of files) {
        const taskFile = join(PLAYBOOKS_DIR, file);
        if (existsSync(taskFile)) scanTasks(readYaml(taskFile), taskFile, roles, []);
      }
    }
  }
  // each role's meta dependencies and every task and handler file it has
  const queue = [...roles];
  for (let role = queue.shift(); role !== undefined; role = queue.shift()) {
    const dir = join(ROLES_DIR, role);
    const found = new Set<string>();
    const meta = join(dir, "meta/main.yml");
    if (existsSync(meta)) {
      const deps = (readYaml(meta) as { dependencies?: unknown } | null)?.dependencies;
      for (const dep of Array.isArray(deps) ? deps : []) found.add(roleName(dep, meta));
    }
    for (const sub of ["tasks", "handlers"]) {
      const subDir = join(dir, sub);
      if (!existsSync(subDir)) continue;
      for (const file of readdirSync(subDir).filter((f) => /\.ya?ml$/.test(f))) {
        scanTasks(readYaml(join(subDir, file)), join(subDir, file), found, []);
      }
    }
    for (const name of found) {
      if (!roles.has(name)) {
        roles.add(name);
        queue.push(name);
      }
    }
  }
  return [...roles].sort();
}

/** One `host_result` of `--output json`. */
interface HostResult {
  type: "host_result";
  host: string;
  task: string;
  changed: boolean;
  item?: unknown;
  loop_summary?: boolean;
}

export interface JsonRun extends CliResult {
  /** The JSON lines themselves. */
  json: string;
  /** `host | task (item)` for every task and loop item that reported changed, sorted. */
  changed: string[];
  /** Changed tasks per host, from the recap. */
  recapChanged: Record<string, number>;
}

function readRun(result: CliResult, jsonFile: string): JsonRun {
  const json = existsSync(jsonFile) ? readFileSync(jsonFile, "utf8") : "";
  const events = json
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { type: string });
  const changed = events
    .filter((e): e is HostResult => e.type === "host_result")
    .filter((e) => e.changed && !e.loop_summary)
    .map((e) => `${e.host} | ${e.task}${e.item === undefined ? "" : ` (item=${JSON.stringify(e.item)})`}`)
    .sort();
  const recap = events.findLast((e) => e.type === "recap") as
    | { hosts: Record<string, { changed: number }> }
    | undefined;
  const recapChanged = Object.fromEntries(
    Object.entries(recap?.hosts ?? {}).map(([host, stats]) => [host, stats.changed]),
  );
  return { ...result, json, changed, recapChanged };
}

export interface CheckRealReal {
  check: JsonRun;
  real: JsonRun;
  second: JsonRun;
}

/**
 * Runs a playbook check → real → real through `run` (which adds its inventory and environment),
 * with the JSON lines in a temp file beside the plain output. `observe` returns what a user could
 * see of the host (files, containers): the check run and the second run must leave it as it was.
 */
export async function checkRealReal(
  row: PlaybookRow,
  run: (args: string[]) => Promise<CliResult>,
  observe: () => unknown,
): Promise<CheckRealReal> {
  const dir = mkdtempSync(join(tmpdir(), "tsible-ems-json-"));
  const say = (what: string, result: CliResult) =>
    `${row.playbook} (${row.where}) ${what}:\n${result.stdout}\n${result.stderr}`;
  try {
    const go = async (name: string, extra: string[]) => {
      const file = join(dir, `${name}.json`);
      const result = await run([
        `playbooks/${row.playbook}`,
        ...(row.args ?? []),
        ...extra,
        "--output",
        `json=${file}`,
      ]);
      return readRun(result, file);
    };
    const before = observe();
    const check = await go("check", ["--check", "--diff"]);
    expect(check.code, say("check run", check)).toBe(0);
    expect(observe(), say("check run wrote to the host", check)).toEqual(before);

    const real = await go("real", []);
    expect(real.code, say("real run", real)).toBe(0);
    expect(real.changed, say("check run predicted other changes than the real run made", real)).toEqual(
      check.changed,
    );

    const after = observe();
    const second = await go("second", []);
    expect(second.code, say("second run", second)).toBe(0);
    expect(second.changed, say("second run changed something", second)).toEqual([]);
    for (const count of Object.values(second.recapChanged)) expect(count).toBe(0);
    expect(observe(), say("second run changed the host", second)).toEqual(after);
    return { check, real, second };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
