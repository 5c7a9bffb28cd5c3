import type { HostFiles } from "../../connection/host-files.js";

export type PathState = "absent" | "file" | "directory" | "link";

/** What is at `path` itself, as Ansible's file module names it (a link is a link, even dangling). */
export async function pathState(files: HostFiles, path: string): Promise<PathState> {
  const st = await files.stat(path, { follow: false });
  if (!st) return "absent";
  if (st.type === "link") return "link";
  if (st.type === "directory") return "directory";
  return "file";
}
