/**
 * The side-by-side runs: the playbook with tsible and with ansible-playbook on 1 and on 10 hosts,
 * a first run into empty folders and the no-change second run. Every run is checked (exit 0,
 * every host in the recap, second run changed=0), so a fast but wrong run never counts.
 */

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { writeInventory } from "./fleet.mjs";
import { recapChanged, timedRun } from "./run.mjs";
import { median, round } from "./stats.mjs";

export function ansiblePlaybookPath() {
  try {
    return execFileSync("sh", ["-c", "command -v ansible-playbook"]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

export function ansibleVersion(path) {
  try {
    return execFileSync(path, ["--version"]).toString().split("\n")[0]?.trim();
  } catch {
    return undefined;
  }
}

/** Ansible at its fastest: pipelining and a persistent master connection per host. */
function ansibleEnv(work) {
  return {
    ANSIBLE_PIPELINING: "1",
    ANSIBLE_SSH_ARGS: "-o ControlMaster=auto -o ControlPersist=60s",
    ANSIBLE_CONTROL_PATH_DIR: join(work, "ansible-cp"),
    ANSIBLE_HOST_KEY_CHECKING: "True",
    ANSIBLE_RETRY_FILES_ENABLED: "0",
    ANSIBLE_LOCAL_TEMP: join(work, "ansible-tmp"),
  };
}

function checkRun(res, what, hosts, round) {
  if (res.code !== 0) {
    throw new Error(`${what} exited ${res.code}:\n${res.stdout.slice(-3000)}\n${res.stderr.slice(-2000)}`);
  }
  const recap = recapChanged(res.stdout);
  if (Object.keys(recap).length !== hosts) throw new Error(`${what}: expected ${hosts} hosts in the recap`);
  const changed = Object.values(recap).reduce((sum, r) => sum + r.changed, 0);
  if (round === "second" && changed !== 0)
    throw new Error(`${what}: the second run changed ${changed} things`);
  return changed;
}

/** Wall time from the first task's start to the last result, from tsible's JSON events. */
function taskSpanMs(stdout) {
  const events = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const first = events.find((e) => e.type === "task_start");
  const last = events.findLast((e) => e.type === "host_result");
  return first && last ? Date.parse(last.time) - Date.parse(first.time) : undefined;
}

/**
 * One case: `reps` first runs (each into fresh folders) and `reps` second runs, medians kept.
 * tsible's second runs write JSON events so the time spent in tasks can be told from start-up.
 */
export async function runCase(ctx, tool, hostCount, reps) {
  const { work, playbook, servers, user, root } = ctx;
  const first = [];
  const second = [];
  const spans = [];
  let peakRssMb = 0;
  let changedFirst = 0;
  for (let rep = 0; rep < reps; rep++) {
    const label = `${tool}-${hostCount}-${rep}`;
    const inventory = writeInventory(work, label, servers.slice(0, hostCount), user);
    for (const round of ["first", "second"]) {
      const json = tool === "tsible" && round === "second";
      const [command, args, env] =
        tool === "tsible"
          ? [
              process.execPath,
              [join(root, "bin/tsible.js"), "run", playbook, "-i", inventory, "--forks", "10"].concat(
                json ? ["--output", "json"] : [],
              ),
              // a parse cache of the benchmark's own: filled by the first run, as a user's is
              { TSIBLE_CACHE_DIR: join(work, "parse-cache") },
            ]
          : [ctx.ansible, [playbook, "-i", inventory, "--forks", "10"], ansibleEnv(work)];
      const res = await timedRun(command, args, { cwd: root, env, timeoutMs: 240_000 });
      const changed = checkRun(res, `${tool} ${round} run on ${hostCount} host(s)`, hostCount, round);
      if (round === "first") {
        first.push(res.ms);
        changedFirst = changed;
      } else {
        second.push(res.ms);
        if (json) spans.push(taskSpanMs(res.stdout));
      }
      peakRssMb = Math.max(peakRssMb, res.maxRssMb ?? 0);
    }
  }
  const span = spans.filter((s) => s !== undefined);
  return {
    tool,
    hosts: hostCount,
    reps,
    firstMs: round(median(first), 0),
    secondMs: round(median(second), 0),
    changedFirst,
    ...(span.length ? { secondTaskSpanMs: round(median(span), 0) } : {}),
    peakRssMb: peakRssMb || undefined,
  };
}
