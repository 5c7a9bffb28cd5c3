import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * Every entry below a folder as `kind mode owner ...`: the link target, or the base64 content of
 * a file. Two snapshots are equal when nothing a user could notice moved, changed mode or owner.
 */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      const owner = `${st.uid}:${st.gid}`;
      const rel = relative(dir, path);
      if (st.isSymbolicLink()) out.set(rel, `link ${owner} ${readlinkSync(path)}`);
      else if (st.isDirectory()) {
        out.set(rel, `dir ${mode} ${owner}`);
        walk(path);
      } else out.set(rel, `file ${mode} ${owner} ${readFileSync(path, "base64")}`);
    }
  };
  walk(dir);
  return out;
}
