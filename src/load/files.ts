import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { TsibleError } from "../errors.js";
import type { Decrypt } from "./context.js";
import type { ParseCache } from "./parse-cache.js";
import { parseYaml } from "./yaml.js";

/** Reads a YAML file, decrypting it first when it is a whole-file vault. */
export function readYamlFile(path: string, decrypt?: Decrypt): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TsibleError(
      `cannot read ${path}: ${code === "ENOENT" ? "no such file" : (code ?? String(err))}`,
      {
        kind: "parse",
      },
    );
  }
  const cached = parsed.get(path);
  if (cached?.text === text) return cached.value;
  const source = text;
  if (text.startsWith("$ANSIBLE_VAULT;")) {
    if (!decrypt) {
      throw new TsibleError(`${path} is vault-encrypted and no vault password was given`, {
        kind: "vault",
        hint: "pass --vault-password-file FILE, --ask-vault-pass or set TSIBLE_VAULT_PASSWORD_FILE",
      });
    }
    text = decrypt(text, path);
  }
  const value = text === source ? parseKept(path, text) : parseYaml(text, path);
  parsed.set(path, { text: source, value });
  return value;
}

/** Parses a plain (not vault-encrypted) file, through the parse cache when there is one. */
function parseKept(path: string, text: string): unknown {
  const kept = parseCache?.read(path, text);
  if (kept) return kept.value;
  const value = parseYaml(text, path);
  parseCache?.write(path, text, value);
  return value;
}

let parseCache: ParseCache | undefined;

/** Keeps parsed files between runs (the CLI's choice: parse-cache.ts); undefined stops it. */
export function useParseCache(cache: ParseCache | undefined): void {
  parseCache = cache;
}

/**
 * Parsed files, by path: a task file imported in several places (or a role used twice) is parsed
 * once. The loader never mutates what it parsed, so sharing the result is safe.
 */
const parsed = new Map<string, { text: string; value: unknown }>();

/** Reads a vars file: it must hold a mapping (or nothing). */
export function readVarsFile(path: string, decrypt?: Decrypt): Record<string, unknown> {
  const data = readYamlFile(path, decrypt);
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new TsibleError(`${path} must contain a mapping of variables`, {
      kind: "parse",
      location: { file: path, line: 1, col: 1 },
    });
  }
  return data as Record<string, unknown>;
}

/** `main.yml`, `main.yaml`, `main` or a folder `main/` of YAML files (merged in name order). */
export function findMainFile(dir: string, base = "main"): string[] {
  for (const name of [`${base}.yml`, `${base}.yaml`, `${base}.json`, base]) {
    const candidate = join(dir, name);
    if (!existsSync(candidate)) continue;
    if (statSync(candidate).isDirectory()) {
      return readdirSync(candidate)
        .filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith("."))
        .sort()
        .map((f) => join(candidate, f));
    }
    return [candidate];
  }
  return [];
}
