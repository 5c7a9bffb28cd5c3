/**
 * Cold start: `tsible --version` and `--syntax-check` of each playbook, with hyperfine when
 * installed. Each is a new process; the syntax checks run twice: with the parse cache a previous
 * run left (the everyday case, judged by the target) and with an empty one (after an install or
 * an edit of every file), reported beside them.
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DROPPED_ENV, timedRun } from "./run.mjs";
import { median, round } from "./stats.mjs";

function hyperfinePath() {
  try {
    return execFileSync("sh", ["-c", "command -v hyperfine"]).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The commands to time, each as argv; `node -e 0` is the floor Node itself sets. */
export function coldStartCommands(root) {
  const bin = join(root, "bin/tsible.js");
  const playbooks = readdirSync(join(root, "playbooks"))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return [
    { name: "node -e 0 (baseline)", argv: [process.execPath, "-e", "0"], baseline: true },
    { name: "tsible --version", argv: [process.execPath, bin, "--version"] },
    ...playbooks.map((p) => ({
      name: `tsible run playbooks/${p} --syntax-check`,
      argv: [process.execPath, bin, "run", join(root, "playbooks", p), "--syntax-check"],
      syntaxCheck: true,
    })),
  ];
}

function quoteArg(arg) {
  return /^[\w./=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

async function withHyperfine(hyperfine, commands, root, runs, opts) {
  const dir = mkdtempSync(join(tmpdir(), "tsible-bench-hf-"));
  try {
    const out = join(dir, "hf.json");
    const args = ["-N", "--warmup", "1", "--runs", String(runs), "--export-json", out, "--style", "none"];
    if (opts.prepare) args.push("--prepare", opts.prepare.map(quoteArg).join(" "));
    for (const c of commands) args.push("-n", c.name, c.argv.map(quoteArg).join(" "));
    const res = await timedRun(hyperfine, args, { cwd: root, env: opts.env });
    if (res.code !== 0) throw new Error(`hyperfine failed: ${res.stderr.trim()}`);
    const { results } = JSON.parse(readFileSync(out, "utf8"));
    return results.map((r, i) => ({
      ...commands[i],
      medianMs: round(r.median * 1000, 1),
      meanMs: round(r.mean * 1000, 1),
      minMs: round(r.min * 1000, 1),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withRepeats(commands, root, runs, opts) {
  const rows = [];
  for (const c of commands) {
    const times = [];
    for (let i = 0; i < runs + 1; i++) {
      if (opts.prepare) await timedRun(opts.prepare[0], opts.prepare.slice(1), { cwd: root });
      const res = await timedRun(c.argv[0], c.argv.slice(1), { cwd: root, env: opts.env });
      if (res.code !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
      if (i > 0) times.push(res.ms); // the first run warms the file cache
    }
    rows.push({ ...c, medianMs: round(median(times), 1), minMs: round(Math.min(...times), 1) });
  }
  return rows;
}

/** hyperfine when installed (one retry: another build may rewrite dist/ meanwhile), else repeats. */
async function timeAll(commands, root, runs, opts) {
  const hyperfine = hyperfinePath();
  if (hyperfine && existsSync(hyperfine)) {
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        return { tool: "hyperfine", rows: await withHyperfine(hyperfine, commands, root, runs, opts) };
      } catch (err) {
        process.stderr.write(`[bench] attempt ${attempt}: ${err.message.split("\n")[0]}\n`);
      }
    }
  }
  return { tool: "repeated runs", rows: await withRepeats(commands, root, runs, opts) };
}

export async function measureColdStart(root, runs = 8) {
  const cache = mkdtempSync(join(tmpdir(), "tsible-bench-parse-cache-"));
  const env = { TSIBLE_CACHE_DIR: cache };
  try {
    const commands = coldStartCommands(root);
    for (const c of commands.slice(1)) {
      const check = await timedRun(c.argv[0], c.argv.slice(1), { cwd: root, env });
      if (check.code !== 0) throw new Error(`${c.name} exits ${check.code}: ${check.stderr || check.stdout}`);
    }
    const kept = await timeAll(commands, root, runs, { env });
    const empty = await timeAll(
      commands
        .filter((c) => c.syntaxCheck)
        .map((c) => ({ ...c, name: `${c.name} (empty parse cache)`, emptyCache: true })),
      root,
      runs,
      { env, prepare: ["rm", "-rf", cache] },
    );
    const dropped = DROPPED_ENV.filter((name) => process.env[name] !== undefined);
    // what a dropped variable costs Node's own start, measured here too
    const withDropped = dropped.length
      ? await timeAll(
          [
            {
              name: `node -e 0 with ${dropped.join(", ")} as this shell sets it (not used above)`,
              argv: [process.execPath, "-e", "0"],
              baseline: true,
            },
          ],
          root,
          runs,
          { env: Object.fromEntries(dropped.map((name) => [name, process.env[name]])) },
        )
      : { rows: [] };
    return {
      tool: kept.tool,
      runs,
      droppedEnv: dropped,
      commands: [...kept.rows, ...empty.rows, ...withDropped.rows].map(
        ({ argv, syntaxCheck, ...row }) => row,
      ),
    };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
