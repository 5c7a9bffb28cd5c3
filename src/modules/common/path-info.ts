import { createHash } from "node:crypto";
import { formatMode, type HostFiles } from "../../connection/host-files.js";

/**
 * What Ansible adds to the result of a module that manages a path (`add_path_info`): uid, gid,
 * owner, group, mode, state and size of the path itself (a link is reported as a link), when it
 * exists.
 */
export async function pathInfo(files: HostFiles, path: string): Promise<Record<string, unknown>> {
  if (!(await files.stat(path, { follow: true }))) return {};
  const own = await files.stat(path, { follow: false });
  if (!own) return {};
  return {
    uid: own.uid,
    gid: own.gid,
    owner: await files.accounts.userName(own.uid),
    group: await files.accounts.groupName(own.gid),
    mode: formatMode(own.mode),
    state: own.type === "link" ? "link" : own.type === "directory" ? "directory" : "file",
    size: own.size,
  };
}

/** Ansible's `checksum`: the sha1 of the content, in hex. */
export function sha1(data: Buffer): string {
  return createHash("sha1").update(data).digest("hex");
}
