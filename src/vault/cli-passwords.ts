import { TsibleError } from "../errors.js";
import type { VaultCommand } from "./cli-args.js";
import type { VaultIO } from "./io.js";
import type { VaultKeyring, VaultSecret } from "./keyring.js";
import { loadVaultKeyring } from "./passwords.js";

/** The passwords that open files (decrypt, view, edit, rekey); ansible-vault prompts when none is given. */
export async function openingKeyring(command: VaultCommand, io: VaultIO): Promise<VaultKeyring> {
  return loadVaultKeyring(
    {
      vaultIds: command.vaultIds,
      passwordFiles: command.passwordFiles,
      askVaultPass: command.askVaultPass,
      autoPrompt: true,
    },
    io,
  );
}

/** The one password that encrypts (encrypt, create, encrypt_string): prompts ask twice. */
export async function encryptingSecret(command: VaultCommand, io: VaultIO): Promise<VaultSecret> {
  const keyring = await loadVaultKeyring(
    {
      vaultIds: command.vaultIds,
      passwordFiles: command.passwordFiles,
      askVaultPass: command.askVaultPass,
      autoPrompt: true,
      newPassword: true,
    },
    io,
  );
  return chooseSecret(keyring, command.encryptVaultId);
}

/** rekey's new password: --new-vault-password-file, --new-vault-id, or a prompt (asked twice). */
export async function rekeySecret(command: VaultCommand, io: VaultIO): Promise<VaultSecret> {
  const keyring = await loadVaultKeyring(
    {
      vaultIds: command.newVaultId ? [command.newVaultId] : [],
      passwordFiles: command.newVaultPasswordFile ? [command.newVaultPasswordFile] : [],
      autoPrompt: true,
      newPassword: true,
      useEnvironment: false,
    },
    io,
  );
  return keyring.secretFor(command.encryptVaultId);
}

function chooseSecret(keyring: VaultKeyring, encryptVaultId: string | undefined): VaultSecret {
  if (keyring.size > 1 && encryptVaultId === undefined) {
    throw new TsibleError(`the vault ids ${keyring.labels.join(", ")} can all encrypt`, {
      kind: "usage",
      hint: "choose one with --encrypt-vault-id LABEL",
    });
  }
  return keyring.secretFor(encryptVaultId);
}
