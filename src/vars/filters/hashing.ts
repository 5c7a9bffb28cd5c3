import { createHash, getHashes } from "node:crypto";
import type { FilterFn } from "../expr/context.js";
import { pyStr } from "../expr/values.js";

function digest(algorithm: string, input: unknown): string {
  return createHash(algorithm).update(pyStr(input), "utf8").digest("hex");
}

function encoding(name: string): BufferEncoding {
  const normalised = name.toLowerCase().replace(/[-_]/g, "");
  if (normalised === "utf8") return "utf8";
  if (normalised === "utf16" || normalised === "utf16le") return "utf16le";
  if (normalised === "latin1" || normalised === "iso88591") return "latin1";
  if (normalised === "ascii") return "ascii";
  throw new TypeError(`unsupported encoding '${name}'`);
}

export const HASH_FILTERS: Record<string, FilterFn> = {
  hash: (input, args) => {
    const algorithm = args.string("hashtype", "sha1").toLowerCase();
    if (!getHashes().includes(algorithm)) args.fail(`unknown hash type '${algorithm}'`);
    return digest(algorithm, input);
  },
  checksum: (input) => digest("sha1", input),
  sha1: (input) => digest("sha1", input),
  md5: (input) => digest("md5", input),
  b64encode: (input, args) =>
    Buffer.from(pyStr(input), encoding(args.string("encoding", "utf-8"))).toString("base64"),
  b64decode: (input, args) =>
    Buffer.from(pyStr(input), "base64").toString(encoding(args.string("encoding", "utf-8"))),
};
