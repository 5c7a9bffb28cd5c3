import type { VaultIO } from "../vault/index.js";

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
  signal: AbortSignal;
  vault: VaultIO;
}
