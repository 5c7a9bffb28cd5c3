import { TsibleError } from "../errors.js";
import type { TaggedText } from "../load/tagged.js";
import { encryptParts } from "./cipher.js";
import { checkVaultLabel, formatEnvelope, isVaultText } from "./format.js";
import type { VaultKeyring, VaultWhere } from "./keyring.js";

/** Decrypts a whole vault file (vars file, group_vars, a file for `copy`) to its bytes. */
export function decryptBytes(data: string | Buffer, keyring: VaultKeyring, where: VaultWhere): Buffer {
  const text = typeof data === "string" ? data : data.toString("latin1");
  return keyring.open(text, where).plaintext;
}

/** Decrypts a whole vault file to UTF-8 text. `where` is the file's path (or a position). */
export function decryptText(text: string, keyring: VaultKeyring, where: VaultWhere): string {
  return decryptBytes(text, keyring, where).toString("utf8");
}

/** Decrypts an inline `!vault |` value; errors point at the value's file:line:col. */
export function decryptTagged(tagged: TaggedText, keyring: VaultKeyring): string {
  if (tagged.tag !== "vault") {
    throw new TsibleError("only !vault values can be decrypted", {
      kind: "internal",
      location: tagged.location,
    });
  }
  return decryptText(tagged.text, keyring, tagged.location);
}

/**
 * Encrypts to an ansible-vault envelope: format 1.1 without a label (or "default"), 1.2 with one.
 * `salt` exists only to reproduce known vectors; leave it out.
 */
export function encryptText(
  plaintext: string | Buffer,
  password: string | Buffer,
  label?: string,
  salt?: Buffer,
): string {
  if (label !== undefined) checkVaultLabel(label);
  const bytes = Buffer.from(plaintext);
  if (isVaultText(bytes)) {
    throw new TsibleError("the input is already vault-encrypted", {
      kind: "usage",
      hint: "use `tsible vault rekey` to change its password",
    });
  }
  const secret = Buffer.from(password);
  if (secret.length === 0) throw new TsibleError("an empty vault password cannot encrypt", { kind: "usage" });
  return formatEnvelope(encryptParts(bytes, secret, salt), label);
}
