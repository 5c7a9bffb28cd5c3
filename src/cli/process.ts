import { isatty } from "node:tty";
import { prompt, type VaultIO } from "../vault/io.js";
import { Interrupts, seconds } from "./interrupts.js";
import type { CliIO } from "./io.js";
import { main } from "./main.js";

/** Connects the CLI to the real process: streams, Ctrl-C, exit code. */
export function runFromProcess(): void {
  const interrupts = new Interrupts();
  const say = (text: string) => process.stderr.write(`\n[tsible] ${text}\n`);
  const onSignal = () => {
    const step = interrupts.interrupt(() =>
      say("grace period over: stopping the running commands (file writes end atomically)"),
    );
    if (step === "stop") {
      say(
        `interrupted: no new task starts; running tasks have ${seconds(interrupts.graceMs)} to finish (Ctrl-C again stops them now)`,
      );
    } else if (step === "abort") {
      say("stopping the running commands now (file writes end atomically; Ctrl-C again exits at once)");
    } else {
      say("exiting at once: a command may still run on a host, a temp file may remain");
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
    signal: interrupts.abort,
    interrupts,
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
    // process.stdin opens a stream on first read (a few ms): only a prompt needs it
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: isatty(0),
  };
}
