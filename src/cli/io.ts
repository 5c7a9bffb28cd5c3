import type { VaultIO } from "../vault/index.js";

/** What the CLI talks to: the terminal, or a test's buffers. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  prompt(question: string): Promise<string>;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  vault: VaultIO;
}
