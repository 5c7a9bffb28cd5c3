/**
 * The sha256 manifest of an archive: `sha256sum` output (so `sha256sum -c` can check it by hand),
 * one line per regular file, names relative to the archive root. GNU sha256sum marks a name holding
 * a backslash, newline or carriage return with a leading `\` and escapes those characters.
 */

export const MANIFEST_NAME = "MANIFEST.sha256";

/** name -> hex sha256 */
export type Manifest = Map<string, string>;

export function parseManifest(text: string): Manifest {
  const manifest: Manifest = new Map();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const escaped = line.startsWith("\\");
    const body = escaped ? line.slice(1) : line;
    const match = /^([0-9a-f]{64}) [ *](.*)$/.exec(body);
    if (!match) throw new Error(`not a sha256sum line: ${JSON.stringify(line.slice(0, 80))}`);
    manifest.set(escaped ? unescapeName(match[2]!) : match[2]!, match[1]!);
  }
  return manifest;
}

function unescapeName(name: string): string {
  return name.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
}

export interface ManifestComparison {
  /** In the manifest, not in the tree. */
  missing: string[];
  /** In both with other content. */
  changed: string[];
  /** In the tree, not in the manifest. */
  extra: string[];
}

export function compareManifests(expected: Manifest, actual: Manifest): ManifestComparison {
  const missing: string[] = [];
  const changed: string[] = [];
  for (const [name, hash] of expected) {
    const now = actual.get(name);
    if (now === undefined) missing.push(name);
    else if (now !== hash) changed.push(name);
  }
  const extra = [...actual.keys()].filter((name) => !expected.has(name));
  return { missing, changed, extra };
}

export function describeComparison(c: ManifestComparison): string {
  const parts = [
    c.missing.length > 0 ? `${c.missing.length} missing (${preview(c.missing)})` : "",
    c.changed.length > 0 ? `${c.changed.length} changed (${preview(c.changed)})` : "",
    c.extra.length > 0 ? `${c.extra.length} extra (${preview(c.extra)})` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : "the tree matches the manifest";
}

function preview(names: string[]): string {
  const shown = names.slice(0, 5).map((n) => JSON.stringify(n));
  return names.length > 5 ? `${shown.join(", ")}, ...` : shown.join(", ");
}
