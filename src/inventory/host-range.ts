/** Thrown for a malformed `[x:y]` host range; callers add the file and line. */
export class HostRangeError extends Error {}

/** A typo such as `[1:100000000]` must fail clearly instead of exhausting memory. */
const MAX_RANGE_ITEMS = 100_000;
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * Expands Ansible host ranges: `web[01:03]` → web01, web02, web03; `db-[a:c]`; an optional
 * step `[1:9:2]`; several ranges in one name multiply. A name without `[` is returned as is.
 */
export function expandHostRange(name: string): string[] {
  const open = name.indexOf("[");
  if (open < 0) return [name];
  const close = name.indexOf("]", open);
  if (close < 0 || name.indexOf("|") >= 0 || name.indexOf("]") < open) {
    throw new HostRangeError(`invalid host range in '${name}': expected [begin:end] or [begin:end:step]`);
  }
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(":");
  if (bounds.length !== 2 && bounds.length !== 3) {
    throw new HostRangeError(`invalid host range in '${name}': must be begin:end or begin:end:step`);
  }
  const begin = bounds[0] || "0";
  const end = bounds[1]!;
  if (!end) throw new HostRangeError(`invalid host range in '${name}': the range must specify an end value`);
  const step = bounds[2] === undefined ? 1 : toInteger(bounds[2], name);
  if (step <= 0) throw new HostRangeError(`invalid host range in '${name}': the step must be positive`);
  const names: string[] = [];
  for (const item of rangeItems(begin, end, step, name)) names.push(...expandHostRange(head + item + tail));
  return names;
}

function rangeItems(begin: string, end: string, step: number, name: string): string[] {
  const b = LETTERS.indexOf(begin);
  const e = LETTERS.indexOf(end);
  if (begin.length === 1 && end.length === 1 && b >= 0 && e >= 0) {
    if (b > e) throw new HostRangeError(`invalid host range in '${name}': begin must be <= end`);
    const items: string[] = [];
    for (let i = b; i <= e; i += step) items.push(LETTERS[i]!);
    return items;
  }
  const width = begin.length > 1 && begin.startsWith("0") ? begin.length : 0;
  if (width > 0 && width !== end.length) {
    throw new HostRangeError(`invalid host range in '${name}': begin and end must have the same width`);
  }
  const first = toInteger(begin, name);
  const last = toInteger(end, name);
  if (first > last) throw new HostRangeError(`invalid host range in '${name}': begin must be <= end`);
  if ((last - first) / step >= MAX_RANGE_ITEMS) {
    throw new HostRangeError(`host range in '${name}' is too large (${MAX_RANGE_ITEMS} names at most)`);
  }
  const items: string[] = [];
  for (let i = first; i <= last; i += step) items.push(String(i).padStart(width, "0"));
  return items;
}

function toInteger(text: string, name: string): number {
  if (!/^\d+$/.test(text)) {
    throw new HostRangeError(`invalid host range in '${name}': '${text}' is not a number or a letter`);
  }
  return Number(text);
}
