import { homedir } from "node:os";
import type { FilterFn } from "../expr/context.js";
import { pyStr, typeName } from "../expr/values.js";

/** Python's `posixpath.basename`: what follows the last slash (empty after a trailing slash). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Python's `posixpath.dirname`. */
export function dirname(path: string): string {
  const head = path.slice(0, path.lastIndexOf("/") + 1);
  return head && !/^\/+$/.test(head) ? head.replace(/\/+$/, "") : head;
}

/** Python's `os.path.join`: an absolute part starts over. */
export function pathJoin(parts: string[]): string {
  let path = "";
  for (const part of parts) {
    if (part.startsWith("/")) path = part;
    else if (path === "" || path.endsWith("/")) path += part;
    else path += `/${part}`;
  }
  return path;
}

/** Python's `os.path.splitext`: leading dots of the file name do not start an extension. */
export function splitext(path: string): [string, string] {
  const name = basename(path);
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return [path, ""];
  const cut = path.length - name.length + dot;
  return [path.slice(0, cut), path.slice(cut)];
}

function expanduser(path: string): string {
  if (path === "~" || path.startsWith("~/")) return (process.env.HOME ?? homedir()) + path.slice(1);
  return path;
}

export const PATH_FILTERS: Record<string, FilterFn> = {
  basename: (input) => basename(pyStr(input)),
  dirname: (input) => dirname(pyStr(input)),
  expanduser: (input) => expanduser(pyStr(input)),
  splitext: (input) => splitext(pyStr(input)),
  path_join: (input) => {
    if (typeof input === "string") return input;
    if (!Array.isArray(input))
      throw new TypeError(`path_join expects a list of paths, not ${typeName(input)}`);
    return pathJoin(input.map(pyStr));
  },
};
