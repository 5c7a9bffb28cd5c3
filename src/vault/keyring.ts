import { inspect } from "node:util";
import { type SourceLocation, TsibleError } from "../errors.js";
import { decryptParts } from "./cipher.js";
import { parseEnvelope, type VaultEnvelope } from "./format.js";
import type { SecretRegistry } from "./secrets.js";

/** The label Ansible gives a password without a vault id, and a 1.1 envelope. */
export const DEFAULT_VAULT_ID = "default";

/** A whole file (its path) or an inline `!vault` value (its position): what an error names. */
export type VaultWhere = string | SourceLocation;

const PASSWORD_HINT =
  "give the password with --ask-vault-pass, --vault-password-file FILE, --vault-id label@FILE " +
  "or the TSIBLE_VAULT_PASSWORD_FILE environment variable";

/** One password and its vault id. The password never shows in logs, JSON or inspect output. */
export class VaultSecret {
  readonly #password: Buffer;

  constructor(
    readonly label: string,
    password: string | Buffer,
    /** Where it came from ("prompt", a file path), for messages. */
    readonly source: string,
  ) {
    this.#password = Buffer.from(password);
  }

  get password(): Buffer {
    return this.#password;
  }

  toString(): string {
    return `VaultSecret(${this.label} from ${this.source})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

export interface OpenedVault {
  plaintext: Buffer;
  /** The password that opened it (edit and rekey re-encrypt with it). */
  secret: VaultSecret;
  envelope: VaultEnvelope;
}

/**
 * The vault passwords of a run, in the order they were given. Decryption tries the passwords whose
 * label matches the envelope's vault id first, then all the others, as Ansible does. Every value it
 * decrypts is registered with `registry` (when given) so output masks it.
 */
export class VaultKeyring {
  private readonly secrets: VaultSecret[] = [];
  private readonly opened = new Map<string, OpenedVault>();

  constructor(readonly registry?: SecretRegistry) {}

  add(label: string, password: string | Buffer, source = "given"): VaultSecret {
    const secret = new VaultSecret(label, password, source);
    this.secrets.push(secret);
    this.registry?.add(secret.password.toString("utf8"));
    return secret;
  }

  get size(): number {
    return this.secrets.length;
  }

  get labels(): string[] {
    return this.secrets.map((s) => s.label);
  }

  /**
   * The password to encrypt with: the one labelled `label` when given (an error if none is), else the
   * first one.
   */
  secretFor(label?: string): VaultSecret {
    if (label !== undefined) {
      const match = this.secrets.find((s) => s.label === label);
      if (match) return match;
      throw new TsibleError(`no vault password has the vault id '${label}'`, {
        kind: "usage",
        hint: `known vault ids: ${this.labels.join(", ") || "none"}`,
      });
    }
    const first = this.secrets[0];
    if (!first)
      throw new TsibleError("a vault password is required to encrypt", {
        kind: "usage",
        hint: PASSWORD_HINT,
      });
    return first;
  }

  /** Decrypts an envelope, checking its HMAC before decrypting; the result is cached per ciphertext. */
  open(text: string, where: VaultWhere): OpenedVault {
    const key = text.trim();
    const cached = this.opened.get(key);
    if (cached) return cached;
    // an inline value gets its file:line:col as the error location, shown before the message
    const what = typeof where === "string" ? where : "the !vault value";
    const located = (err: TsibleError) => (typeof where === "string" ? err : err.at(where));
    const envelope = (() => {
      try {
        return parseEnvelope(text, what);
      } catch (err) {
        throw err instanceof TsibleError ? located(err) : err;
      }
    })();
    if (this.secrets.length === 0) {
      throw located(
        new TsibleError(`cannot decrypt ${what}: no vault password was given`, {
          kind: "vault",
          hint: PASSWORD_HINT,
        }),
      );
    }
    for (const secret of this.candidates(envelope.label)) {
      const plaintext = decryptParts(envelope, secret.password);
      if (plaintext) {
        const result = { plaintext, secret, envelope };
        this.opened.set(key, result);
        this.registry?.add(plaintext);
        return result;
      }
    }
    throw located(this.wrongPassword(what, envelope.label));
  }

  private candidates(label: string | undefined): VaultSecret[] {
    const wanted = label ?? DEFAULT_VAULT_ID;
    return [
      ...this.secrets.filter((s) => s.label === wanted),
      ...this.secrets.filter((s) => s.label !== wanted),
    ];
  }

  private wrongPassword(what: string, label: string | undefined): TsibleError {
    const tried = this.labels.join(", ");
    const missingLabel = label !== undefined && !this.labels.includes(label);
    return new TsibleError(
      `cannot decrypt ${what}: wrong vault password, or the encrypted data was modified (tried vault ids: ${tried})`,
      {
        kind: "vault",
        hint: missingLabel
          ? `it is encrypted with vault id '${label}'; give its password with --vault-id ${label}@FILE`
          : "the HMAC did not match, so nothing was decrypted; check the password",
      },
    );
  }
}
