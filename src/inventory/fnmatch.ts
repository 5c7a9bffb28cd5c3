/**
 * Python's `fnmatch.translate`, used by Ansible for host patterns: `*`, `?`, `[seq]` and
 * `[!seq]`; everything else is literal. The whole name must match, case-sensitively.
 */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  let i = 0;
  while (i < glob.length) {
    const ch = glob[i]!;
    i++;
    if (ch === "*") {
      if (!out.endsWith(".*")) out += ".*";
    } else if (ch === "?") out += ".";
    else if (ch === "[") {
      const end = classEnd(glob, i);
      if (end < 0) {
        out += "\\[";
        continue;
      }
      out += charClass(glob.slice(i, end));
      i = end + 1;
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`^(?:${out})$`, "su");
}

/** Index of the `]` closing a class that starts at `start`, or -1 (then `[` is literal). */
function classEnd(glob: string, start: number): number {
  let j = start;
  if (glob[j] === "!") j++;
  if (glob[j] === "]") j++;
  while (j < glob.length && glob[j] !== "]") j++;
  return j < glob.length ? j : -1;
}

function charClass(body: string): string {
  if (body === "") return "(?!)";
  if (body === "!") return ".";
  const negate = body.startsWith("!");
  const items = (negate ? body.slice(1) : body).replace(/[\\\]^[]/g, (c) => `\\${c}`);
  return `[${negate ? "^" : ""}${items}]`;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
