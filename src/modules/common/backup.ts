import type { HostFiles } from "../../connection/host-files.js";

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Ansible's backup name: `file.<pid>.<YYYY-MM-DD@HH:MM:SS>~`, in local time. */
export function backupName(path: string, now = new Date(), pid = process.pid): string {
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return `${path}.${pid}.${date}@${time}~`;
}

/**
 * Copies `path` to a timestamped backup beside it, keeping mode and owner (Ansible's
 * `backup_local`), and returns the backup's path; undefined when there is nothing to back up.
 * Backups are real copies: callers skip them in check mode, as Ansible does.
 */
export async function backupFile(files: HostFiles, path: string): Promise<string | undefined> {
  const st = await files.stat(path, { follow: true });
  const content = st?.type === "file" ? await files.readFile(path) : undefined;
  if (!st || !content) return undefined;
  const backup = backupName(path);
  const { uid } = await files.identity();
  await files.writeFile(backup, content, {
    mode: st.mode,
    ...(uid === 0 ? { owner: String(st.uid), group: String(st.gid) } : {}),
  });
  return backup;
}
