import type { VaultIO } from "../vault/index.js";
import type { Interrupts } from "./interrupts.js";

/** What the CLI talks to: the terminal, or a test's buffers. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Asks for a secret: no echo on a terminal. */
  prompt(question: string): Promise<string>;
  /** Asks a question whose answer may be seen (--step). */
  ask(question: string): Promise<string>;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** Aborted when running commands must be killed (see interrupts). */
  signal: AbortSignal;
  /** Ctrl-C / SIGTERM: stop, grace period, abort. */
  interrupts: Interrupts;
  vault: VaultIO;
}
