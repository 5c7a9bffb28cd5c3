import { TsibleError } from "../errors.js";
import type { Decrypt } from "../load/context.js";
import { readYamlFile } from "../load/files.js";
import { parseYaml } from "../load/yaml.js";

/** `-e k=v k2="a b"`, `-e @vars.yml`, `-e '{"json": 1}'` / YAML: later ones win. */
export function parseExtraVars(values: string[], decrypt?: Decrypt): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const value of values) {
    const text = value.trim();
    let parsed: unknown;
    if (text.startsWith("@")) parsed = readYamlFile(text.slice(1), decrypt);
    else if (text.startsWith("{") || text.startsWith("[")) parsed = parseYaml(text, "-e");
    else parsed = parseKeyValues(text);
    if (parsed === null || parsed === undefined) continue;
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new TsibleError(`-e ${value}: extra vars must be key=value pairs or a mapping`, {
        kind: "usage",
      });
    }
    Object.assign(out, parsed);
  }
  return out;
}

/** `a=1 b="x y"`: values stay strings, as Ansible's key=value extra vars do. */
function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/gy;
  let pos = 0;
  while (pos < text.length) {
    while (text[pos] === " ") pos++;
    if (pos >= text.length) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m)
      throw new TsibleError(`-e: cannot read '${text.slice(pos)}' (expected key=value)`, { kind: "usage" });
    out[m[1]!] = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : (m[4] ?? m[5] ?? "");
    pos = re.lastIndex;
  }
  return out;
}
