import { posix } from "node:path";
import { shq } from "../connection/quote.js";
import { TsibleError } from "../errors.js";
import { compareManifests, describeComparison, parseManifest } from "./archive/manifest.js";
import {
  createArchiveScript,
  memberNames,
  readEmbeddedManifestScript,
  treeManifestScript,
} from "./archive/scripts.js";
import type { ModuleContext, ModuleDefinition } from "./types.js";

export interface ArchiveArgs {
  /** Absolute paths on the host: files or folders, archived with what is below them. */
  path: string | string[];
  /** The .tar.gz to write (present), or whose manifest to compare with (verify). */
  dest: string;
  /** Names in the archive are relative to this folder; the paths' common parent by default. */
  root?: string;
  /** present: write the archive (once per content); verify: compare the tree with the manifest. */
  state?: "present" | "verify";
  /** The manifest beside the archive; `<dest>.sha256` by default. */
  manifest?: string;
  /** The archive's permissions (octal string); 0600 by default, as backups often hold secrets. */
  mode?: string;
  /** Write the archive even when the manifest shows the same content. */
  force?: boolean;
}

/**
 * tar.gz archives on the host with GNU tar (`--numeric-owner`: modes, owners and symlinks kept), and a
 * sha256 manifest of every regular file written inside the archive (MANIFEST.sha256) and beside it.
 * An archive whose manifests (inside and beside it) equal the tree's is left alone; metadata-only
 * changes need `force`.
 */
export const archive: ModuleDefinition<ArchiveArgs> = {
  name: "archive",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["path", "dest"],
    properties: {
      path: {
        anyOf: [
          { type: "string", pattern: "^/" },
          { type: "array", items: { type: "string", pattern: "^/" }, minItems: 1 },
        ],
      },
      dest: { type: "string", pattern: "^/" },
      root: { type: "string", pattern: "^/" },
      state: { enum: ["present", "verify"] },
      manifest: { type: "string", pattern: "^/" },
      mode: { type: "string", pattern: "^0?[0-7]{3,4}$" },
      force: { type: "boolean" },
    },
  },
  async run(ctx, args) {
    const paths = [args.path].flat().map((p) => posix.normalize(p).replace(/(.)\/$/, "$1"));
    const root = args.root ?? commonParent(paths);
    const outside = paths.find((p) => p !== root && !p.startsWith(`${root}/`));
    if (outside) throw moduleError(ctx, `${outside} is not below root ${root}`);
    const names = memberNames(root, paths);
    const manifestPath = args.manifest ?? `${args.dest}.sha256`;
    const current = await ctx.exec(treeManifestScript(root, names));
    if (current.rc !== 0)
      return { changed: false, failed: true, msg: current.stderr.trim() || "cannot read the tree" };
    const actual = parseManifest(current.stdout);

    const beside = await readManifestBeside(ctx, manifestPath);
    if (args.state === "verify") {
      const storedText = beside ?? (await readManifestInside(ctx, args.dest));
      if (storedText === undefined)
        return {
          changed: false,
          failed: true,
          msg: `no manifest at ${manifestPath} nor inside ${args.dest}`,
        };
      const comparison = compareManifests(parseManifest(storedText), actual);
      const clean = comparison.missing.length + comparison.changed.length + comparison.extra.length === 0;
      return {
        changed: false,
        ...(clean ? {} : { failed: true }),
        msg: describeComparison(comparison),
        missing: comparison.missing,
        changed_files: comparison.changed,
        extra: comparison.extra,
        files: actual.size,
        manifest: manifestPath,
      };
    }

    // the archive is left alone only when its own manifest and the one beside it both match the tree:
    // an archive written without its manifest (a run cut off between the two), or a manifest beside
    // an older archive, is written again
    const inside = await readManifestInside(ctx, args.dest);
    const same = inside === current.stdout && beside === current.stdout;
    const storedText = inside ?? beside;
    const base = { dest: args.dest, manifest: manifestPath, root, files: actual.size };
    if (same && !args.force) return { changed: false, ...base };
    const diff = ctx.diff
      ? {
          diff: {
            before_header: manifestPath,
            after_header: manifestPath,
            before: storedText ?? "",
            after: current.stdout,
          },
        }
      : {};
    if (ctx.check) return { changed: true, ...base, ...diff };
    const mode = (args.mode ?? "0600").replace(/^0?(?=[0-7]{3,4}$)/, "0");
    const written = await ctx.exec(createArchiveScript({ root, names, dest: args.dest, manifestPath, mode }));
    if (written.rc !== 0)
      return {
        changed: false,
        failed: true,
        // the host's words (tar's, gzip's), with the archive and the host they are about
        msg: `archive ${args.dest} on ${ctx.host}: ${written.stderr.trim() || `exit code ${written.rc}`}`,
        rc: written.rc,
      };
    return { changed: true, ...base, files: parseManifest(written.stdout).size, ...diff };
  },
};

/** The manifest beside the archive; undefined when there is none. */
async function readManifestBeside(ctx: ModuleContext, manifestPath: string): Promise<string | undefined> {
  const beside = await ctx.exec(
    `if [ -f ${shq(manifestPath)} ]; then cat -- ${shq(manifestPath)}; else exit 3; fi`,
  );
  return beside.rc === 0 ? beside.stdout : undefined;
}

/** The manifest inside the archive; undefined when there is no archive or it holds none. */
async function readManifestInside(ctx: ModuleContext, dest: string): Promise<string | undefined> {
  const inside = await ctx.exec(`[ -f ${shq(dest)} ] && ${readEmbeddedManifestScript(dest)}`);
  return inside.rc === 0 ? inside.stdout : undefined;
}

/** The deepest folder holding every path (a single path's parent). */
export function commonParent(paths: string[]): string {
  const split = paths.map((p) => posix.dirname(p).split("/"));
  const first = split[0] ?? [""];
  let depth = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < depth && i < parts.length && parts[i] === first[i]) i++;
    depth = i;
  }
  return first.slice(0, depth).join("/") || "/";
}

function moduleError(ctx: ModuleContext, message: string): TsibleError {
  return new TsibleError(message, { kind: "module", ...(ctx.location ? { location: ctx.location } : {}) });
}
