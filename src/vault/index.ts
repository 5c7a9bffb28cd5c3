/** Ansible Vault (format 1.1/1.2, AES256) and the masking of secrets in output. */

export { runVaultCommand, VAULT_EXIT } from "./cli.js";
export {
  parseVaultArgs,
  VAULT_ACTIONS,
  VAULT_USAGE,
  type VaultAction,
  type VaultCommand,
} from "./cli-args.js";
export { formatVaultYaml } from "./encrypt-string.js";
export { writeFileAtomic } from "./files.js";
export { formatEnvelope, isVaultText, parseEnvelope, VAULT_HEADER, type VaultEnvelope } from "./format.js";
export { prompt, readStdin, type VaultIO } from "./io.js";
export { DEFAULT_VAULT_ID, type OpenedVault, VaultKeyring, VaultSecret, type VaultWhere } from "./keyring.js";
export { loadVaultKeyring, parseVaultId, type VaultPasswordOptions } from "./passwords.js";
export { MASK, MIN_SECRET_LENGTH, SecretRegistry } from "./secrets.js";
export { decryptBytes, decryptTagged, decryptText, encryptText } from "./text.js";
