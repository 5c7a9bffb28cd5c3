/** Cold start: `tsible --version` and `--syntax-check` of each playbook, with hyperfine when installed. */

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timedRun } from "./run.mjs";
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
    })),
  ];
}

function quoteArg(arg) {
  return /^[\w./=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

async function withHyperfine(hyperfine, commands, root, runs) {
  const dir = mkdtempSync(join(tmpdir(), "tsible-bench-hf-"));
  try {
    const out = join(dir, "hf.json");
    const args = ["-N", "--warmup", "1", "--runs", String(runs), "--export-json", out, "--style", "none"];
    for (const c of commands) args.push("-n", c.name, c.argv.map(quoteArg).join(" "));
    const res = await timedRun(hyperfine, args, { cwd: root });
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

async function withRepeats(commands, root, runs) {
  const rows = [];
  for (const c of commands) {
    const times = [];
    for (let i = 0; i < runs + 1; i++) {
      const res = await timedRun(c.argv[0], c.argv.slice(1), { cwd: root });
      if (res.code !== 0) throw new Error(`${c.name} failed: ${res.stderr}`);
      if (i > 0) times.push(res.ms); // the first run warms the file cache
    }
    rows.push({ ...c, medianMs: round(median(times), 1), minMs: round(Math.min(...times), 1) });
  }
  return rows;
}

export async function measureColdStart(root, runs = 8) {
  const commands = coldStartCommands(root);
  for (const c of commands.slice(1)) {
    const check = await timedRun(c.argv[0], c.argv.slice(1), { cwd: root });
    if (check.code !== 0) throw new Error(`${c.name} exits ${check.code}: ${check.stderr || check.stdout}`);
  }
  const hyperfine = hyperfinePath();
  let tool = "repeated runs";
  let rows;
  if (hyperfine && existsSync(hyperfine)) {
    // a run can fail while another `npm run build` rewrites dist/: one more try, then plain repeats
    for (let attempt = 1; attempt <= 2 && !rows; attempt++) {
      try {
        rows = await withHyperfine(hyperfine, commands, root, runs);
        tool = "hyperfine";
      } catch (err) {
        process.stderr.write(`[bench] attempt ${attempt}: ${err.message.split("\n")[0]}\n`);
      }
    }
  }
  rows ??= await withRepeats(commands, root, runs);
  return {
    tool,
    runs,
    commands: rows.map(({ argv, ...row }) => row),
  };
}
