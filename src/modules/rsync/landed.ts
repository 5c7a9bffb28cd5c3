/** What a failed rsync changed: the itemized lines that stand for changes that stayed. */

import { itemName } from "./output.js";

/** Exit codes with which rsync ran to its end: partial transfer (23), vanished files (24), --max-delete (25). */
const RAN_TO_END = new Set([23, 24, 25]);

export interface FailedRun {
  rc: number;
  /** rsync's error messages (the remote side's come through the local rsync). */
  stderr: string;
  /** Whether received files waited for the end (--delay-updates, unless rsync_opts turned it off). */
  delayed: boolean;
}

/**
 * The lines of a failed run whose change stayed. rsync prints an item when it starts on it (`%i`
 * without `%b`), so after a failure its list overstates:
 * - a received file (`>f`, `<f` when sending) waits in `.~tmp~` for rsync's final renames; a run that
 *   aborted never got there, and the module's cleanup removes what waited;
 * - a deletion (`*deleting`) is printed once done, a creation (`c`, `h`) once it succeeded;
 * - an attribute change (`.`) is printed before rsync tries it;
 * - an item an rsync error names (mkstemp, write failed, failed to set times…) did not happen.
 * A folder whose time alone was to change does not count: removing `.~tmp~` from it touches it anyway.
 */
export function landedItems(lines: string[], run: FailedRun): string[] {
  const failed = namedInErrors(lines.map(itemName), run.stderr);
  return lines.filter((line, index) => {
    const code = line.slice(0, 11);
    if (code.startsWith("*")) return true;
    if (failed.has(index)) return false;
    if (code[0] === ">" || code[0] === "<") return !run.delayed || RAN_TO_END.has(run.rc);
    if (code[0] === "." && code[1] === "d" && /^[.tT]*$/.test(code.slice(2))) return false;
    return true;
  });
}

/** The indexes of the items that rsync's error lines name by a quoted path (`rsync: … "path" …`). */
function namedInErrors(names: string[], stderr: string): Set<number> {
  const named = new Set<number>();
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("rsync:")) continue;
    for (const quoted of line.matchAll(/"([^"]*)"/g)) {
      const at = itemAt(names, quoted[1] ?? "");
      if (at >= 0) named.add(at);
    }
  }
  return named;
}

/**
 * The item a path in an error names, the longest name that fits (`sub/a` before `a`): the item's
 * own path (`dest/sub/a`, `dest/.` for `./`), its file waiting in `.~tmp~`, or rsync's temporary
 * file beside it (`dest/sub/.a.XXXXXX`).
 */
function itemAt(names: string[], path: string): number {
  const plain = path.replace(/\/\.~tmp~\//g, "/").replace(/\/\.$/, "");
  const temp = /^(.*\/)?\.([^/]+)\.[A-Za-z0-9]{6}$/.exec(plain);
  const fromTemp = temp ? `${temp[1] ?? ""}${temp[2]}` : undefined;
  let best = -1;
  let bestLength = -1;
  names.forEach((raw, index) => {
    const name = raw.replace(/\/$/, "");
    const fits = (candidate: string) =>
      name === "."
        ? candidate === "." || path.endsWith("/.")
        : candidate === name || candidate.endsWith(`/${name}`);
    if (name.length > bestLength && (fits(plain) || (fromTemp !== undefined && fits(fromTemp)))) {
      best = index;
      bestLength = name.length;
    }
  });
  return best;
}
