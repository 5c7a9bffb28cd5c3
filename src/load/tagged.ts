import type { SourceLocation } from "../errors.js";

/**
 * A YAML scalar carrying one of Ansible's tags. `!vault` holds ciphertext decrypted on use;
 * `!unsafe` holds text that must never be templated.
 */
export class TaggedText {
  constructor(
    readonly tag: "vault" | "unsafe",
    readonly text: string,
    readonly location: SourceLocation,
  ) {}

  toString(): string {
    return this.tag === "unsafe" ? this.text : "<vault>";
  }
}
