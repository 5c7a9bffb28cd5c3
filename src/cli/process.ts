import { prompt, type VaultIO } from "../vault/io.js";
import type { CliIO } from "./io.js";
import { main } from "./main.js";

/** Connects the CLI to the real process: streams, Ctrl-C, exit code. */
export function runFromProcess(): void {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        "\n[tsible] interrupted: finishing running steps, no new task starts (Ctrl-C again aborts)\n",
      );
      controller.abort();
    } else {
      process.exit(99);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const vault = vaultIO();
  const io: CliIO = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    prompt: (q) => prompt(q, vault, true),
    ask: (q) => prompt(q, vault, false),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    signal: controller.signal,
    vault,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ERROR! ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

function vaultIO(): VaultIO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: Boolean(process.stdin.isTTY),
  };
}
