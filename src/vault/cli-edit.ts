import { existsSync } from "node:fs";
import { TsibleError } from "../errors.js";
import type { VaultCommand } from "./cli-args.js";
import { encryptingSecret, openingKeyring } from "./cli-passwords.js";
import { editInPrivateFile } from "./editor.js";
import { readInput, writeFileAtomic } from "./files.js";
import type { VaultIO } from "./io.js";
import { encryptText } from "./text.js";

/**
 * Decrypts each file into $EDITOR and, when the text changed, encrypts it again with the password
 * that opened it and the vault id of its header (or --encrypt-vault-id's).
 */
export async function editFiles(command: VaultCommand, io: VaultIO): Promise<void> {
  const keyring = await openingKeyring(command, io);
  for (const file of command.args) {
    const text = (await readInput(file, io)).toString("latin1");
    const opened = keyring.open(text, file);
    const chosen =
      command.encryptVaultId === undefined ? opened.secret : keyring.secretFor(command.encryptVaultId);
    const label = command.encryptVaultId ?? opened.envelope.label;
    const edited = await editInPrivateFile(opened.plaintext, file, io);
    if (edited.equals(opened.plaintext)) continue;
    writeFileAtomic(file, encryptText(edited, chosen.password, label));
  }
}

/** Writes a new encrypted file from what the user types in $EDITOR. */
export async function createFile(command: VaultCommand, io: VaultIO): Promise<void> {
  const file = command.args[0]!;
  if (existsSync(file)) {
    throw new TsibleError(`${file} exists already`, {
      kind: "usage",
      hint: "use `tsible vault edit` instead",
    });
  }
  const secret = await encryptingSecret(command, io);
  const content = await editInPrivateFile(Buffer.alloc(0), file, io);
  if (content.length === 0) {
    io.stderr.write(`${file}: nothing was written (the text was empty)\n`);
    return;
  }
  writeFileAtomic(file, encryptText(content, secret.password, secret.label));
}
