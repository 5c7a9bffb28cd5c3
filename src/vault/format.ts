import { TsibleError } from "../errors.js";

/** The first bytes of every ansible-vault envelope. */
export const VAULT_HEADER = "$ANSIBLE_VAULT";
/** ansible-vault wraps the hexlified payload at this width. */
const LINE_WIDTH = 80;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** A parsed `$ANSIBLE_VAULT;1.x;AES256[;label]` envelope. */
export interface VaultEnvelope {
  version: string;
  cipher: string;
  /** The vault id from a 1.2 header; undefined for 1.1 (Ansible then says "default"). */
  label: string | undefined;
  salt: Buffer;
  /** The HMAC-SHA256 of the ciphertext as written in the file. */
  hmac: Buffer;
  ciphertext: Buffer;
}

/** True when `text` is vault-encrypted data (leading whitespace tolerated, as YAML block scalars add none). */
export function isVaultText(text: string | Buffer): boolean {
  const head = typeof text === "string" ? text.slice(0, 64) : text.subarray(0, 64).toString("latin1");
  return head.trimStart().startsWith(VAULT_HEADER);
}

/**
 * Parses an envelope. `what` names the input in error messages ("secrets.yml", "the !vault value").
 * Format errors are not password errors: they say the data itself is damaged.
 */
export function parseEnvelope(text: string, what: string): VaultEnvelope {
  const lines = text.trim().split(/\r?\n/);
  const header = (lines[0] ?? "").trim().split(";");
  if (header[0] !== VAULT_HEADER || header.length < 3) {
    throw formatError(what, "the first line is not a `$ANSIBLE_VAULT;1.x;AES256` header");
  }
  const version = header[1]!.trim();
  const cipher = header[2]!.trim();
  if (version !== "1.1" && version !== "1.2") {
    throw formatError(what, `vault format version ${version} is not supported (only 1.1 and 1.2)`);
  }
  if (cipher !== "AES256") throw formatError(what, `cipher ${cipher} is not supported (only AES256)`);
  const label = header[3]?.trim() || undefined;
  const outer = lines
    .slice(1)
    .map((line) => line.trim())
    .join("");
  if (!HEX.test(outer) || outer.length === 0) throw formatError(what, "the body is not hexadecimal");
  const parts = Buffer.from(outer, "hex").toString("latin1").split("\n");
  if (parts.length !== 3 || !parts.every((p) => HEX.test(p) && p.length > 0)) {
    throw formatError(what, "the body does not hold salt, HMAC and ciphertext");
  }
  const [salt, hmac, ciphertext] = parts as [string, string, string];
  return {
    version,
    cipher,
    label,
    salt: Buffer.from(salt, "hex"),
    hmac: Buffer.from(hmac, "hex"),
    ciphertext: Buffer.from(ciphertext, "hex"),
  };
}

/**
 * Writes the envelope exactly as ansible-vault does: 1.1 without a label (or with "default"), 1.2 with
 * one; the payload hexlified twice and wrapped at 80 columns; a final newline.
 */
export function formatEnvelope(
  parts: { salt: Buffer; hmac: Buffer; ciphertext: Buffer },
  label?: string,
): string {
  const inner = [
    parts.salt.toString("hex"),
    parts.hmac.toString("hex"),
    parts.ciphertext.toString("hex"),
  ].join("\n");
  const outer = Buffer.from(inner, "latin1").toString("hex");
  const labelled = label !== undefined && label !== "" && label !== "default";
  const header = labelled ? `${VAULT_HEADER};1.2;AES256;${label}` : `${VAULT_HEADER};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < outer.length; i += LINE_WIDTH) lines.push(outer.slice(i, i + LINE_WIDTH));
  return `${lines.join("\n")}\n`;
}

/** Vault ids become part of a `;`-separated header, so Ansible forbids `;` and so do we. */
export function checkVaultLabel(label: string): void {
  if (label.includes(";") || /[\r\n]/.test(label)) {
    throw new TsibleError(`'${label}' is not a valid vault id`, {
      kind: "usage",
      hint: "a vault id may not contain ';' or line breaks",
    });
  }
}

function formatError(what: string, detail: string): TsibleError {
  return new TsibleError(`${what} is not valid vault data: ${detail}`, {
    kind: "vault",
    hint: "the encrypted text may have been cut or edited; restore it from version control",
  });
}
