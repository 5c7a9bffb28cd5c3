/**
 * JSON the way Python's json.dumps(sort_keys=True) writes it: `", "` and `": "` separators, or
 * `indent` spaces per level. Ansible's output uses this shape and scripts parse it.
 */
export function pyJson(value: unknown, indent?: number, level = 0): string {
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") {
    return typeof value === "number" && !Number.isFinite(value) ? "null" : (JSON.stringify(value) ?? "null");
  }
  const pad = indent === undefined ? "" : `\n${" ".repeat(indent * (level + 1))}`;
  const close = indent === undefined ? "" : `\n${" ".repeat(indent * level)}`;
  const sep = indent === undefined ? ", " : ",";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${pad}${value.map((v) => pyJson(v, indent, level + 1)).join(`${sep}${pad}`)}${close}]`;
  }
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}: ${pyJson((value as Record<string, unknown>)[k], indent, level + 1)}`);
  if (entries.length === 0) return "{}";
  return `{${pad}${entries.join(`${sep}${pad}`)}${close}}`;
}
