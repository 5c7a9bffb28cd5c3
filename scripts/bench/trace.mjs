/**
 * Runs the built CLI in this process with the SSH connection's calls counted and timed, to see where
 * a run's time goes:  node scripts/bench/trace.mjs run PLAYBOOK -i INVENTORY [options]
 * Prints, on stderr, each remote operation with its count, total and median time.
 */

import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, nowMs, round } from "./stats.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = (path) => import(pathToFileURL(join(root, "dist", path)).href);

const calls = new Map();
function record(name, ms) {
  const list = calls.get(name) ?? [];
  list.push(ms);
  calls.set(name, list);
}

function wrap(proto, method, label) {
  const original = proto[method];
  proto[method] = async function traced(...args) {
    const start = nowMs();
    try {
      return await original.apply(this, args);
    } finally {
      record(label(args), nowMs() - start);
    }
  };
}

/** The command's first word (after cd/env prefixes), enough to tell the calls apart. */
function commandKind(command) {
  const words = String(command)
    .replace(/^cd \S+ && /, "")
    .split(/\s+/);
  return `exec ${words.slice(0, 2).join(" ").slice(0, 40)}`;
}

const { SshConnection } = await dist("connection/ssh/connection.js");
const { SftpFiles } = await dist("connection/ssh/sftp-files.js");
wrap(SshConnection.prototype, "execRaw", (args) => commandKind(args[0]));
for (const method of [
  "stat",
  "readFile",
  "writeFile",
  "mkdir",
  "chmod",
  "chown",
  "rename",
  "remove",
  "readdir",
]) {
  wrap(SftpFiles.prototype, method, () => `sftp ${method}`);
}

const { runFromProcess } = await dist("cli/process.js");
const started = nowMs();
process.on("exit", () => {
  const wall = nowMs() - started;
  const rows = [...calls].sort((a, b) => b[1].reduce((s, v) => s + v, 0) - a[1].reduce((s, v) => s + v, 0));
  process.stderr.write(`\n[trace] wall ${round(wall, 0)} ms (after module load)\n`);
  for (const [name, times] of rows) {
    const total = times.reduce((s, v) => s + v, 0);
    process.stderr.write(
      `[trace] ${String(times.length).padStart(5)} × ${name.padEnd(48)} total ${String(round(total, 0)).padStart(6)} ms  median ${round(median(times), 2)} ms\n`,
    );
  }
});
runFromProcess();
