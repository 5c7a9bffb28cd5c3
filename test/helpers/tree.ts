import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

export interface TreeEntry {
  type: "file" | "dir" | "link";
  mode: string;
  content?: string;
  target?: string;
}

/** A folder as a user would check it: every path's type, mode, content and link target. */
export function snapshotTree(root: string): Record<string, TreeEntry> {
  const out: Record<string, TreeEntry> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const rel = relative(root, path);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      if (st.isSymbolicLink())
        out[rel] = { type: "link", mode: "link", target: readlinkSync(path).replace(root, "<base>") };
      else if (st.isDirectory()) {
        out[rel] = { type: "dir", mode };
        walk(path);
      } else
        out[rel] = { type: "file", mode, content: readFileSync(path, "utf8").replaceAll(root, "<base>") };
    }
  };
  walk(root);
  return out;
}
