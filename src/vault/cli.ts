import { TsibleError } from "../errors.js";
import { parseVaultArgs, VAULT_USAGE, type VaultAction, type VaultCommand } from "./cli-args.js";
import { createFile, editFiles } from "./cli-edit.js";
import { decryptFiles, encryptFiles, rekeyFiles, viewFiles } from "./cli-files.js";
import { encryptStrings } from "./encrypt-string.js";
import type { VaultIO } from "./io.js";

const ACTIONS: Record<VaultAction, (command: VaultCommand, io: VaultIO) => Promise<void>> = {
  encrypt: encryptFiles,
  decrypt: decryptFiles,
  view: viewFiles,
  edit: editFiles,
  create: createFile,
  rekey: rekeyFiles,
  encrypt_string: encryptStrings,
};

/** Exit codes as ansible-vault's: 1 for a failure, 5 for a wrong command line. */
export const VAULT_EXIT = { ok: 0, failed: 1, usage: 5 } as const;

/**
 * `tsible vault ACTION [options] [FILE...]`, option for option like ansible-vault. Returns the exit
 * code; errors go to stderr, and no file is written unless every input could be processed.
 */
export async function runVaultCommand(argv: string[], io: VaultIO): Promise<number> {
  try {
    const command = parseVaultArgs(argv);
    if (!command) {
      io.stdout.write(VAULT_USAGE);
      return VAULT_EXIT.ok;
    }
    await ACTIONS[command.action](command, io);
    return VAULT_EXIT.ok;
  } catch (err) {
    if (!(err instanceof TsibleError)) throw err;
    io.stderr.write(`ERROR! ${err.describe()}\n`);
    return err.kind === "usage" ? VAULT_EXIT.usage : VAULT_EXIT.failed;
  }
}
