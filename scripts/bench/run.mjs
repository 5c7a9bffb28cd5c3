/** Runs a command to completion and measures it: wall time, exit code, output, peak memory. */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nowMs } from "./stats.mjs";

const GNU_TIME = "/usr/bin/time";

/**
 * Variables of this shell that measured commands do not get. NODE_EXTRA_CA_CERTS (set for every
 * process in some sandboxes, not on an operator's machine) makes Node read and parse each extra
 * certificate before the first line of any script: 80-90 ms of every start here, paid by tsible and
 * not by Ansible. The cold start also times `node -e 0` with it, so its cost is on record.
 */
export const DROPPED_ENV = ["NODE_EXTRA_CA_CERTS"];

/** This process's environment without DROPPED_ENV, plus `extra` (an undefined value removes). */
export function benchEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1", ANSIBLE_NOCOLOR: "1" };
  for (const name of DROPPED_ENV) delete env[name];
  return { ...env, ...extra };
}

/**
 * Wall time in ms, and the peak resident memory in MB from GNU time when it is installed (the
 * measured process is then time's child: a fork and an exec more, well under a millisecond).
 */
export function timedRun(command, args, opts = {}) {
  const useTime = existsSync(GNU_TIME);
  const dir = useTime ? mkdtempSync(join(tmpdir(), "tsible-bench-time-")) : undefined;
  const rssFile = dir ? join(dir, "rss") : undefined;
  const [cmd, argv] = useTime ? [GNU_TIME, ["-f", "%M", "-o", rssFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: benchEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 300_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = nowMs() - start;
      let maxRssMb;
      if (rssFile && existsSync(rssFile)) {
        const kb = Number(readFileSync(rssFile, "utf8").trim().split("\n").at(-1));
        if (Number.isFinite(kb)) maxRssMb = Math.round((kb / 1024) * 10) / 10;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? -1, ms, stdout, stderr, maxRssMb });
    });
  });
}

/** Per host changed/unreachable/failed counts: tsible's JSON `recap` event, else the PLAY RECAP text. */
export function recapChanged(stdout) {
  const recapEvent = stdout
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"recap"'))
    .map((l) => JSON.parse(l))
    .find((e) => e.type === "recap");
  if (recapEvent) return recapEvent.hosts;
  const at = stdout.lastIndexOf("PLAY RECAP");
  const changed = {};
  for (const line of stdout.slice(Math.max(at, 0)).split("\n")) {
    const m = /^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line);
    if (m) changed[m[1]] = { changed: Number(m[2]), unreachable: Number(m[3]), failed: Number(m[4]) };
  }
  return changed;
}
