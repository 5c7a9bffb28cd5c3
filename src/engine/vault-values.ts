import { TsibleError } from "../errors.js";
import { TaggedText } from "../load/tagged.js";

type Resolver = (tagged: TaggedText) => string;

let resolver: Resolver | undefined;

/** The CLI installs the decryption of inline `!vault` values once the vault passwords are known. */
export function setVaultResolver(fn: Resolver | undefined): void {
  resolver = fn;
}

/** Replaces inline `!vault` values (at any depth) by their plaintext, when they are read. */
export function resolveVaultValues(value: unknown): unknown {
  if (value instanceof TaggedText) {
    if (value.tag !== "vault") return value;
    if (!resolver) {
      throw new TsibleError("a !vault value is used but no vault password was given", {
        kind: "vault",
        location: value.location,
        hint: "pass --vault-password-file FILE, --ask-vault-pass or set TSIBLE_VAULT_PASSWORD_FILE",
      });
    }
    return resolver(value);
  }
  if (Array.isArray(value)) {
    return value.some(needsResolving) ? value.map(resolveVaultValues) : value;
  }
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    if (!Object.values(value).some(needsResolving)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveVaultValues(v);
    return out;
  }
  return value;
}

function needsResolving(value: unknown): boolean {
  if (value instanceof TaggedText) return value.tag === "vault";
  if (Array.isArray(value)) return value.some(needsResolving);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).some(needsResolving);
  }
  return false;
}
