import { createHash, randomBytes } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { decodeParsed, encodeParsed } from "./parsed-codec.js";

/**
 * Parsed YAML files kept between runs, as Python keeps .pyc files: parsing the ~40 files of a
 * playbook and its roles is most of a cold start (about 100 ms of --syntax-check of migrate.yml
 * on a slow machine), reading one JSON file per YAML file a small part of it.
 *
 * An entry is the parse of one path, named by the hash of the path and holding the hash of the
 * text it was parsed from: a changed file misses, and replaces its entry, so the cache holds at
 * most one entry per file. Entries belong to one build of tsible (its folder is named by the
 * build id): another build parses afresh. Vault-encrypted files are never given to it, so no
 * plaintext of a secret lands on disk (files.ts).
 *
 * The folder must be the user's own and closed to others (0700, entries 0600); anything
 * unexpected (another owner, a full disk, a damaged entry) only means parsing as usual.
 */
export interface ParseCache {
  /** The cached parse of `file` when its text is `text`. */
  read(file: string, text: string): { value: unknown } | undefined;
  write(file: string, text: string, value: unknown): void;
}

/** Folders of other builds untouched this long are removed when a new build first writes. */
const STALE_BUILD_MS = 24 * 3600 * 1000;

/**
 * The cache of this build, in TSIBLE_CACHE_DIR or $XDG_CACHE_HOME/tsible or ~/.cache/tsible;
 * none when TSIBLE_NO_CACHE=1 or when not running from a bundle (no build id).
 */
export function openParseCache(
  env: Record<string, string | undefined>,
  buildId: string | undefined,
): ParseCache | undefined {
  if (!buildId || env.TSIBLE_NO_CACHE === "1") return undefined;
  const root = env.TSIBLE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "tsible");
  return new FolderCache(root, `parsed-${buildId}`);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

class FolderCache implements ParseCache {
  private usable: boolean | undefined;

  constructor(
    private readonly root: string,
    private readonly build: string,
  ) {}

  read(file: string, text: string): { value: unknown } | undefined {
    let entry: string;
    try {
      entry = readFileSync(this.entryOf(file), "utf8");
    } catch {
      return undefined;
    }
    const newline = entry.indexOf("\n");
    if (newline < 0 || entry.slice(0, newline) !== sha256(text) || !this.ownFolder()) return undefined;
    try {
      return { value: decodeParsed(entry.slice(newline + 1), file) };
    } catch {
      return undefined; // damaged: the parse that follows writes it anew
    }
  }

  write(file: string, text: string, value: unknown): void {
    if (!this.ownFolder()) return;
    const entry = this.entryOf(file);
    const temp = `${entry}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      writeFileSync(temp, `${sha256(text)}\n${encodeParsed(value)}`, { mode: 0o600, flag: "wx" });
      renameSync(temp, entry);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  private entryOf(file: string): string {
    return join(this.root, this.build, sha256(file));
  }

  /** Creates the folders once; false when the root is not a folder of ours closed to others. */
  private ownFolder(): boolean {
    if (this.usable !== undefined) return this.usable;
    this.usable = false;
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      const root = lstatSync(this.root);
      const uid = process.getuid?.();
      if (!root.isDirectory() || (uid !== undefined && root.uid !== uid) || (root.mode & 0o022) !== 0)
        return false;
      const created = mkdirSync(join(this.root, this.build), { recursive: true, mode: 0o700 }) !== undefined;
      if (created) this.removeStaleBuilds();
      this.usable = true;
    } catch {
      // no home, a read-only disk: parse as usual
    }
    return this.usable;
  }

  private removeStaleBuilds(): void {
    const now = Date.now();
    for (const name of readdirSync(this.root)) {
      if (!name.startsWith("parsed-") || name === this.build) continue;
      const dir = join(this.root, name);
      if (now - lstatSync(dir).mtimeMs > STALE_BUILD_MS) rmSync(dir, { recursive: true, force: true });
    }
  }
}
