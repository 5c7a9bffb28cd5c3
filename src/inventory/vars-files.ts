import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { TsibleError } from "../errors.js";
import { locationOf } from "../load/locations.js";
import { parseYaml } from "../load/yaml.js";
import { assignOwn, compareCodePoints } from "./own.js";

/** Decrypts a whole-file ansible-vault text; given by the caller that knows the password. */
export type Decrypt = (text: string, file: string) => string;

const VAULT_HEADER = "$ANSIBLE_VAULT;";
/** Ansible looks for NAME itself first (a file or folder), then these extensions. */
const VARS_EXTENSIONS = ["", ".yml", ".yaml", ".json"];

/** Reads a file's text, decrypting it when it is a whole-file vault. */
export function readSourceText(path: string, decrypt: Decrypt | undefined): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new TsibleError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      kind: "parse",
    });
  }
  if (!text.startsWith(VAULT_HEADER)) return text;
  if (!decrypt) {
    throw new TsibleError("file is vault-encrypted and no vault password was given", {
      kind: "vault",
      location: { file: path, line: 1, col: 1 },
      hint: "give the vault password (--ask-vault-pass or --vault-password-file)",
    });
  }
  return decrypt(text, path);
}

/** Finds and loads `group_vars/NAME*` and `host_vars/NAME*` the way Ansible's host_group_vars does. */
export class VarsFiles {
  private readonly loaded = new Map<string, Record<string, unknown>>();
  /** Entries of each group_vars/ or host_vars/ folder: most hosts have no file, and this avoids a stat each. */
  private readonly listings = new Map<string, ReadonlySet<string>>();

  constructor(private readonly decrypt: Decrypt | undefined) {}

  /** The merged vars of every file for `name` under `baseDir/subdir` (later files win). */
  varsFor(baseDir: string, subdir: "group_vars" | "host_vars", name: string): Record<string, unknown> {
    if (name.startsWith("/")) return {};
    const merged: Record<string, unknown> = {};
    const dir = join(baseDir, subdir);
    const entries = this.listing(dir);
    if (!VARS_EXTENSIONS.some((ext) => entries.has(name + ext))) return merged;
    for (const file of findVarsFiles(dir, name)) assignOwn(merged, this.load(file));
    return merged;
  }

  private listing(dir: string): ReadonlySet<string> {
    let entries = this.listings.get(dir);
    if (!entries) {
      entries = new Set(kindOf(dir) === "dir" ? readdirSync(dir) : []);
      this.listings.set(dir, entries);
    }
    return entries;
  }

  private load(file: string): Record<string, unknown> {
    const cached = this.loaded.get(file);
    if (cached) return cached;
    const data = parseYaml(readSourceText(file, this.decrypt), file);
    if (data !== null && (typeof data !== "object" || Array.isArray(data))) {
      throw new TsibleError("a vars file must contain a mapping of variable names to values", {
        kind: "parse",
        location: locationOf(data) ?? { file, line: 1, col: 1 },
      });
    }
    const vars = (data ?? {}) as Record<string, unknown>;
    this.loaded.set(file, vars);
    return vars;
  }
}

/** `dir/NAME`, `dir/NAME.yml`, … : the first that exists; a folder gives all its files, sorted. */
function findVarsFiles(dir: string, name: string): string[] {
  for (const ext of VARS_EXTENSIONS) {
    const path = join(dir, name + ext);
    const kind = kindOf(path);
    if (kind === "dir") return filesInVarsDir(path);
    if (kind === "file") return [path];
  }
  return [];
}

function filesInVarsDir(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort(compareCodePoints)) {
    if (entry.startsWith(".") || entry.endsWith("~")) continue; // hidden files and backups
    const path = join(dir, entry);
    const ext = extname(entry);
    const kind = kindOf(path);
    if (kind === "dir" && ext === "") found.push(...filesInVarsDir(path));
    else if (kind === "file" && VARS_EXTENSIONS.includes(ext)) found.push(path);
  }
  return found;
}

function kindOf(path: string): "file" | "dir" | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isDirectory() ? "dir" : stat?.isFile() ? "file" : undefined;
}
