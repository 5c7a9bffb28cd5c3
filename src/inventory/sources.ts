import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { isTsibleError, TsibleError } from "../errors.js";
import { parseYaml } from "../load/yaml.js";
import { parseAddress } from "./address.js";
import type { InventoryData } from "./data.js";
import { parseIniInventory } from "./ini.js";
import { compareCodePoints } from "./own.js";
import { type Decrypt, readSourceText } from "./vars-files.js";
import { readYamlInventory } from "./yaml-inventory.js";

/**
 * Entries of an inventory folder that Ansible does not read as inventory: hidden files, the vars
 * folders, and its INVENTORY_IGNORE_EXTS (note: `.ini` is among them).
 */
const IGNORED_IN_DIR =
  /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTENSIONS = new Set([".yml", ".yaml", ".json"]);

/** One `-i` value after reading: where its group_vars/ and host_vars/ are looked for. */
export interface ReadSource {
  source: string;
  /** The folder holding group_vars/ and host_vars/, or undefined for a host list. */
  varsDir: string | undefined;
}

/** Reads one `-i` source (file, folder or `a,b,` host list) into `data`. */
export function readSource(source: string, data: InventoryData, decrypt: Decrypt | undefined): ReadSource {
  if (!existsSync(source)) {
    if (source.includes(",")) {
      readHostList(source, data);
      return { source, varsDir: undefined };
    }
    throw new TsibleError(`inventory source not found: ${source}`, {
      kind: "usage",
      hint: "give a file, a folder, or a comma-separated host list such as 'host1,host2,'",
    });
  }
  const path = resolve(source);
  if (statSync(path).isDirectory()) {
    readDirectory(path, data, decrypt);
    return { source: path, varsDir: path };
  }
  readFile(path, data, decrypt);
  return { source: path, varsDir: dirname(path) };
}

function readDirectory(dir: string, data: InventoryData, decrypt: Decrypt | undefined): void {
  for (const entry of readdirSync(dir).sort(compareCodePoints)) {
    if (IGNORED_IN_DIR.test(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) readDirectory(path, data, decrypt);
    else readFile(path, data, decrypt);
  }
}

/** `.yml/.yaml/.json` are YAML, `.ini` is INI, and anything else is tried as YAML, then INI. */
function readFile(file: string, data: InventoryData, decrypt: Decrypt | undefined): void {
  const text = readSourceText(file, decrypt);
  const ext = extname(file);
  data.currentSource = file;
  try {
    if (YAML_EXTENSIONS.has(ext)) readYamlInventory(parseYaml(text, file), file, data);
    else if (ext === ".toml") {
      throw new TsibleError("TOML inventories are not supported", {
        kind: "parse",
        location: { file, line: 1, col: 1 },
        hint: "write the inventory as YAML or INI",
      });
    } else if (ext === ".ini") parseIniInventory(text, file, data);
    else readYamlOrIni(text, file, data);
  } finally {
    data.currentSource = undefined;
  }
}

/** A file named `hosts` may be either: a YAML mapping is a YAML inventory, anything else INI. */
function readYamlOrIni(text: string, file: string, data: InventoryData): void {
  let doc: unknown;
  let yamlError: TsibleError | undefined;
  try {
    doc = parseYaml(text, file);
  } catch (err) {
    if (!isTsibleError(err) || err.kind !== "parse") throw err;
    yamlError = err;
  }
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
    readYamlInventory(doc, file, data);
    return;
  }
  try {
    parseIniInventory(text, file, data);
  } catch (err) {
    if (!yamlError || !isTsibleError(err)) throw err;
    const hint = `read as YAML instead: ${yamlError.describe()}`;
    throw new TsibleError(err.message, { kind: err.kind, location: err.location, hint, cause: err });
  }
}

/** `-i 'web1,web2:2222,'`: hosts in `ungrouped`, an optional port each, no ranges. */
function readHostList(source: string, data: InventoryData): void {
  for (const item of source.split(",")) {
    const name = item.trim();
    if (name === "") continue;
    const parsed = parseAddress(name, false);
    data.addHost(parsed?.host ?? name, "ungrouped", parsed?.port);
  }
}
