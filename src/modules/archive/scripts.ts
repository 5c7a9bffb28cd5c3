import { dirname, posix } from "node:path";
import { shellJoin, shq } from "../../connection/quote.js";
import { MANIFEST_NAME } from "./manifest.js";

/** The tree's members, relative to `root`; a name starting with `-` gets `./` so no tool reads it as an option. */
export function memberNames(root: string, paths: string[]): string[] {
  return paths.map((p) => {
    const rel = posix.relative(root, p) || ".";
    return rel.startsWith("-") ? `./${rel}` : rel;
  });
}

/** Fails (rc 2) naming the first member that does not exist. */
function requireMembers(names: string[]): string {
  return `for p in ${shellJoin(names)}; do [ -e "$p" ] || [ -L "$p" ] || { echo "no such file or directory: $p" >&2; exit 2; }; done`;
}

/** sha256sum lines for every regular file below the members (links not followed), sorted bytewise. */
function manifestPipeline(names: string[]): string {
  return `find ${shellJoin(names)} -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum --`;
}

/** Prints the current manifest of `names` under `root`. */
export function treeManifestScript(root: string, names: string[]): string {
  return `cd -- ${shq(root)} || exit 2; ${requireMembers(names)}; ${manifestPipeline(names)}`;
}

/**
 * Writes the archive: the manifest first (inside, at the root), then the members with numeric owners,
 * modes and symlinks as they are. Both land in place by rename, the archive (with `mode`) before the
 * manifest beside it: cut off between the two, the old manifest no longer matches the tree and the
 * next run writes both again.
 */
export function createArchiveScript(opts: {
  root: string;
  names: string[];
  dest: string;
  manifestPath: string;
  mode: string;
}): string {
  const dir = dirname(opts.dest);
  return [
    "set -e",
    `tmp=$(mktemp -d ${shq(`${dir}/.tsible-archive.XXXXXX`)})`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `cd -- ${shq(opts.root)}`,
    requireMembers(opts.names),
    // cat writes the file: sha256sum's own write error drops the reason ("sha256sum: write error" on a
    // full disk), cat's names it; the pipeline's failure still stops the script (set -e)
    `m=$(${manifestPipeline(opts.names)})`,
    `{ [ -z "$m" ] || printf '%s\\n' "$m"; } | cat > "$tmp/${MANIFEST_NAME}"`,
    `tar --numeric-owner -czf "$tmp/archive" -C "$tmp" ${MANIFEST_NAME} -C ${shq(opts.root)} -- ${shellJoin(opts.names)}`,
    `chmod ${opts.mode} "$tmp/archive"`,
    `cp -- "$tmp/${MANIFEST_NAME}" "$tmp/manifest"`,
    `mv -f -- "$tmp/archive" ${shq(opts.dest)}`,
    `mv -f -- "$tmp/manifest" ${shq(opts.manifestPath)}`,
    `cat -- ${shq(opts.manifestPath)}`,
  ].join("\n");
}

/** Tar options that leave the embedded manifest out of extraction and comparison. */
const SKIP_MANIFEST = ["--anchored", `--exclude=${MANIFEST_NAME}`];

/**
 * Prints the manifest stored inside an archive (rc != 0 when it has none); tar stops at it, which is
 * the first member of the archives this module writes.
 */
export function readEmbeddedManifestScript(src: string): string {
  return shellJoin(["tar", "-xzOf", src, "--occurrence=1", MANIFEST_NAME]);
}

/** `tar --compare`: rc 0 when the files on disk match the archive (contents, modes, owners, times, links). */
export function compareArchiveScript(src: string, dest: string): string {
  return `${shellJoin(["tar", "--numeric-owner", "-dzf", src, "-C", dest, ...SKIP_MANIFEST])} 2>&1`;
}

/** Extracts preserving permissions and (as root) numeric owners. */
export function extractArchiveScript(src: string, dest: string): string {
  return shellJoin(["tar", "--numeric-owner", "-xzpf", src, "-C", dest, ...SKIP_MANIFEST]);
}

/** sha256sum lines for the regular files among `names` (read NUL-separated on stdin) under `root`. */
export function hashListedScript(root: string): string {
  const loop = `for f; do if [ -f "$f" ] && [ ! -L "$f" ]; then sha256sum -- "$f"; fi; done`;
  return `cd -- ${shq(root)} || exit 2; xargs -0 -r sh -c ${shq(loop)} sh`;
}
