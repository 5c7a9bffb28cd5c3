import { setVaultResolver } from "../engine/vault-values.js";
import type { LoadOptions } from "../load/context.js";
import { parseYaml } from "../load/yaml.js";
// the vault's parts, not its index: a run needs no vault command code
import { loadVaultKeyring } from "../vault/passwords.js";
import { SecretRegistry } from "../vault/secrets.js";
import { decryptTagged, decryptText } from "../vault/text.js";
import type { CliIO } from "./io.js";

export interface VaultArgs {
  vaultIds: string[];
  vaultPasswordFiles: string[];
  askVaultPass: boolean;
}

/**
 * The vault passwords of the command line, and the load options that decrypt with them. Every
 * decrypted value is registered as a secret, so output masks it wherever it goes.
 */
export async function openVault(
  args: VaultArgs,
  io: CliIO,
): Promise<{ secrets: SecretRegistry; loadOptions: LoadOptions }> {
  const secrets = new SecretRegistry();
  const keyring = await loadVaultKeyring(
    {
      vaultIds: args.vaultIds,
      passwordFiles: args.vaultPasswordFiles,
      askVaultPass: args.askVaultPass,
      registry: secrets,
    },
    io.vault,
  );
  setVaultResolver((tagged) => {
    const plain = decryptTagged(tagged, keyring);
    secrets.add(plain);
    return plain;
  });
  const loadOptions: LoadOptions = {
    decrypt: (text, file) => {
      const plain = decryptText(text, keyring, file);
      // every value of a vault-encrypted file is a secret
      secrets.addDeep(parseYaml(plain, file));
      return plain;
    },
    projectDir: process.cwd(),
    rolesPath: (process.env.TSIBLE_ROLES_PATH ?? process.env.ANSIBLE_ROLES_PATH ?? "")
      .split(":")
      .filter(Boolean),
  };
  return { secrets, loadOptions };
}
