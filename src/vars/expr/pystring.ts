/** Python's string operations, shared by methods (`s.split()`) and filters (`s | split`). */

/** Python's `str.split(sep=None, maxsplit=-1)`: no separator splits on runs of whitespace. */
export function pySplit(text: string, sep: string | undefined, maxsplit = -1): string[] {
  if (sep === "") throw new RangeError("empty separator");
  const limit = maxsplit < 0 ? Number.POSITIVE_INFINITY : maxsplit;
  const parts: string[] = [];
  if (sep === undefined) {
    let rest = text.trimStart();
    while (rest.length > 0) {
      if (parts.length >= limit) {
        parts.push(rest);
        return parts;
      }
      const match = /\s+/.exec(rest);
      if (!match) break;
      parts.push(rest.slice(0, match.index));
      rest = rest.slice(match.index + match[0].length);
    }
    if (rest.length > 0) parts.push(rest);
    return parts;
  }
  let rest = text;
  for (let at = rest.indexOf(sep); at >= 0 && parts.length < limit; at = rest.indexOf(sep)) {
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + sep.length);
  }
  parts.push(rest);
  return parts;
}

/** Python's `str.rsplit`, which differs from split only when `maxsplit` is given. */
export function pyRsplit(text: string, sep: string | undefined, maxsplit = -1): string[] {
  if (maxsplit < 0) return pySplit(text, sep);
  const reversed = (s: string) => [...s].reverse().join("");
  const revSep = sep === undefined ? undefined : reversed(sep);
  return pySplit(reversed(text), revSep, maxsplit).map(reversed).reverse();
}

function stripSet(chars: string | undefined): (ch: string) => boolean {
  return chars === undefined ? (ch) => /\s/.test(ch) : (ch) => chars.includes(ch);
}

/** Python's `strip`/`lstrip`/`rstrip` with an optional set of characters. */
export function pyStrip(text: string, chars: string | undefined, side: "both" | "left" | "right"): string {
  const strip = stripSet(chars);
  const letters = [...text];
  let start = 0;
  let end = letters.length;
  if (side !== "right") while (start < end && strip(letters[start]!)) start++;
  if (side !== "left") while (end > start && strip(letters[end - 1]!)) end--;
  return letters.slice(start, end).join("");
}

/** Python's `str.replace(old, new, count=-1)`. */
export function pyReplace(text: string, old: string, replacement: string, count = -1): string {
  const limit = count < 0 ? Number.POSITIVE_INFINITY : count;
  if (old === "") {
    // Python inserts the replacement around every character.
    const chars = ["", ...text];
    return chars.map((ch, i) => (i < limit ? ch + replacement : ch)).join("");
  }
  const pieces = text.split(old);
  let out = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) out += (i <= limit ? replacement : old) + pieces[i];
  return out;
}

export function pyCapitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
}

/** Python's `str.title`: a letter after a non-letter is upper case, the others lower case. */
export function pyTitle(text: string): string {
  let out = "";
  let previousCased = false;
  for (const ch of text) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    previousCased = cased;
  }
  return out;
}

/** Python's `str.splitlines(keepends=False)`. */
export function pySplitlines(text: string, keepends = false): string[] {
  const lines: string[] = [];
  const pattern = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const end = match.index + match[0].length;
    lines.push(text.slice(start, keepends ? end : match.index));
    start = end;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}
