import { shq } from "../connection/quote.js";
import { compareManifests, describeComparison, parseManifest } from "./archive/manifest.js";
import {
  compareArchiveScript,
  extractArchiveScript,
  hashListedScript,
  readEmbeddedManifestScript,
} from "./archive/scripts.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface UnarchiveArgs {
  /** A .tar.gz on the host (what `archive` writes, or any gzip tarball). */
  src: string;
  /** An existing folder on the host. */
  dest: string;
  /** After extracting, check the files against the archive's MANIFEST.sha256 (default: when it has one). */
  verify?: boolean;
  /** Extract even when `tar --compare` finds nothing different. */
  force?: boolean;
}

/**
 * Extracts a tar.gz on the host with GNU tar (numeric owners, modes and symlinks kept). Idempotent by
 * `tar --compare` (contents, modes, owners, times, link targets); verifies against the embedded manifest.
 */
export const unarchive: ModuleDefinition<UnarchiveArgs> = {
  name: "unarchive",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["src", "dest"],
    properties: {
      src: { type: "string", pattern: "^/" },
      dest: { type: "string", pattern: "^/" },
      verify: { type: "boolean" },
      force: { type: "boolean" },
      remote_src: { const: true },
    },
  },
  async run(ctx, args) {
    const exists = await ctx.exec(`[ -f ${shq(args.src)} ] && [ -d ${shq(args.dest)} ]`);
    if (exists.rc !== 0)
      return {
        changed: false,
        failed: true,
        msg: `${args.src} must be a file and ${args.dest} a folder on the host`,
      };
    const embedded = await ctx.exec(readEmbeddedManifestScript(args.src));
    const manifest = embedded.rc === 0 ? parseManifest(embedded.stdout) : undefined;
    if (args.verify && !manifest)
      return { changed: false, failed: true, msg: `${args.src} holds no MANIFEST.sha256 to verify against` };

    const compared = await ctx.exec(compareArchiveScript(args.src, args.dest));
    const differences = compared.stdout
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("tar: "))
      .slice(0, 50);
    const upToDate = compared.rc === 0;
    const base = { src: args.src, dest: args.dest, ...(manifest ? { files: manifest.size } : {}) };
    if (upToDate && !args.force) return { changed: false, ...base };
    if (ctx.check) return { changed: true, ...base, differences };

    const extracted = await ctx.exec(extractArchiveScript(args.src, args.dest));
    if (extracted.rc !== 0)
      return {
        changed: false,
        failed: true,
        msg: `extraction failed: ${extracted.stderr.trim()}`,
        rc: extracted.rc,
      };
    if (manifest && args.verify !== false) {
      const verified = await verifyExtracted(ctx, args.dest, manifest);
      if (verified) return { ...base, differences, ...verified };
    }
    return { changed: true, ...base, differences };
  },
};

/** Hashes the manifest's files under dest; returns a failure when any is missing or different. */
async function verifyExtracted(
  ctx: ModuleContext,
  dest: string,
  manifest: Map<string, string>,
): Promise<ModuleResult | undefined> {
  const names = `${[...manifest.keys()].join("\0")}\0`;
  const hashed = await ctx.exec(hashListedScript(dest), { stdin: names });
  const comparison = compareManifests(manifest, parseManifest(hashed.stdout));
  if (comparison.missing.length + comparison.changed.length === 0) return undefined;
  return {
    changed: true,
    failed: true,
    msg: `after extraction: ${describeComparison({ ...comparison, extra: [] })}`,
    missing: comparison.missing,
    changed_files: comparison.changed,
  };
}
