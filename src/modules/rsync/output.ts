/** Reading rsync's output: the itemized changes (`--out-format`) and the progress (`--info=progress2`). */

import { CHANGED_MARKER } from "./options.js";

export interface ItemizedChanges {
  /** Every itemized line without the marker, as Ansible's `msg`/`stdout_lines` (`>f+++++++++ a/b`). */
  lines: string[];
  /** The paths the lines name, relative to dest (link targets dropped, rsync's `\#ooo` escapes decoded). */
  files: string[];
}

/**
 * The itemized lines in rsync's stdout. Any line counts as a change, as in Ansible: rsync itemizes only
 * what it creates, updates, deletes or re-times (`.d..t......` is a directory whose time it sets).
 */
export function parseItemized(stdout: string): ItemizedChanges {
  const lines: string[] = [];
  const files: string[] = [];
  for (const segment of stdout.split(/[\r\n]/)) {
    const at = segment.indexOf(CHANGED_MARKER);
    if (at < 0) continue;
    const line = segment.slice(at + CHANGED_MARKER.length);
    lines.push(line);
    files.push(itemPath(line));
  }
  return { lines, files };
}

/**
 * `>f.st...... name`, `cL+++++++++ link -> target`, `*deleting   name`: the name as rsync wrote it,
 * its `\#ooo` escapes kept (as in rsync's error messages).
 */
export function itemName(line: string): string {
  const code = line.slice(0, 11);
  let name = line.slice(12);
  if (code[1] === "L") name = name.replace(/ -> .*$/, "");
  if (code[0] === "h") name = name.replace(/ => .*$/, "");
  return name;
}

/** The item's path with rsync's escapes decoded. */
function itemPath(line: string): string {
  return itemName(line).replace(/\\#([0-7]{3})/g, (_all, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

export interface Progress {
  bytes: string;
  percent: number;
  rate: string;
  eta: string;
}

/** One `--info=progress2` update: `  1,234,567  45%   12.34MB/s    0:00:03 (xfr#3, to-chk=2/9)`. */
export function parseProgress(segment: string): Progress | undefined {
  const m = /^\s*([\d,.]+[KMGT]?)\s+(\d{1,3})%\s+(\S+)\s+(\d+:\d{2}:\d{2})/.exec(segment);
  if (!m) return undefined;
  return { bytes: m[1] ?? "", percent: Number(m[2]), rate: m[3] ?? "", eta: m[4] ?? "" };
}

/** Feeds stdout chunks and reports progress at most every `intervalMs`, plus the last one seen. */
export class ProgressReporter {
  private pending = "";
  private lastReport = 0;

  constructor(
    private readonly report: (line: string) => void,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  feed(chunk: Buffer | string): void {
    const segments = (this.pending + chunk.toString()).split(/[\r\n]/);
    this.pending = segments.pop() ?? "";
    let latest: Progress | undefined;
    for (const segment of segments) latest = parseProgress(segment) ?? latest;
    if (!latest) return;
    const now = this.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.report(`rsync ${latest.percent}% (${latest.bytes} bytes, ${latest.rate}, ${latest.eta} left)`);
  }
}
