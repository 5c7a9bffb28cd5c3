#!/usr/bin/env node
/**
 * `npm run bench`: tsible against loopback sshds as a non-root user, side by side with
 * ansible-playbook when it is installed; checks the speed targets of issue 3 and records the figures
 * in bench/ (results-<date>.json and a line in HISTORY.md).
 *
 *   node scripts/bench.mjs [--reps N] [--no-ansible]
 *
 * Needs root (the test users and sshds are set up like the test suite's) and a built dist/.
 */

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ansiblePlaybookPath, ansibleVersion, runCase } from "./bench/cases.mjs";
import { measureColdStart } from "./bench/coldstart.mjs";
import { startFleet } from "./bench/fleet.mjs";
import { measureFloor } from "./bench/floor.mjs";
import { loadSshdHarness } from "./bench/harness.mjs";
import { writeBenchPlaybook } from "./bench/playbook.mjs";
import { checkTargets, printReport, saveResults } from "./bench/report.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FLEET_SIZE = 10;

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
}

function progress(text) {
  process.stderr.write(`[bench] ${text}\n`);
}

function commitOf() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
  } catch {
    return "unknown";
  }
}

async function main() {
  if (!existsSync(join(ROOT, "dist/cli/process.js")))
    throw new Error("dist/ is missing: run `npm run build` first");
  const reps = Number(option("--reps", "3"));
  const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
  const harness = await loadSshdHarness(ROOT);
  const skip = harness.sshdSkipReason();
  if (skip) throw new Error(`cannot benchmark here: ${skip}`);
  const ansible = process.argv.includes("--no-ansible") ? undefined : ansiblePlaybookPath();

  progress(`starting ${FLEET_SIZE} sshds on 127.0.0.2-${FLEET_SIZE + 1}`);
  const servers = await startFleet(harness, FLEET_SIZE);
  const work = mkdtempSync(join(tmpdir(), "tsible-bench-"));
  chmodSync(work, 0o755);
  try {
    const { path: playbook, tasks } = writeBenchPlaybook(work);
    const ctx = { root: ROOT, work, playbook, servers, user: harness.TEST_USERS.nopw, ansible };

    // cold start first: it is short, and quiet machines are rarer later
    progress("cold start: --version and --syntax-check of playbooks/");
    const coldStart = await measureColdStart(ROOT);
    for (const c of coldStart.commands) progress(`  ${c.medianMs} ms  ${c.name}`);
    progress("floor: bare exec and SFTP stat on one connection");
    const floor = await measureFloor(ROOT, servers[0], ctx.user);
    progress(`  exec ${floor.execMs} ms, SFTP stat ${floor.sftpStatMs} ms`);
    const cases = [];
    for (const hosts of [1, FLEET_SIZE]) {
      progress(`tsible on ${hosts} host(s), ${reps}× first and second run`);
      cases.push(await runCase(ctx, "tsible", hosts, reps));
      progress(`  first ${cases.at(-1).firstMs} ms, second ${cases.at(-1).secondMs} ms`);
      if (ansible) {
        progress(`ansible-playbook on ${hosts} host(s), first and second run`);
        cases.push(await runCase(ctx, "ansible", hosts, 1));
        progress(`  first ${cases.at(-1).firstMs} ms, second ${cases.at(-1).secondMs} ms`);
      }
    }

    const results = {
      date: new Date().toISOString().slice(0, 10),
      time: new Date().toISOString(),
      commit: commitOf(),
      node: process.version,
      cpus: cpus().length,
      loadAverage,
      user: ctx.user,
      tasks,
      ansibleVersion: ansible ? ansibleVersion(ansible) : undefined,
      floor,
      cases,
      coldStart,
    };
    const checks = checkTargets(results);
    const benchDir = join(ROOT, "bench");
    mkdirSync(benchDir, { recursive: true });
    saveResults(benchDir, results, checks);
    printReport(results, checks);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
