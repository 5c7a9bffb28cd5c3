/** A source tree with awkward names, links and modes, and what the rsync tests need around it. */

import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sshdSkipReason } from "../../helpers/sshd.js";

/** Why the rsync tests cannot run here (sshd and rsync), or undefined; under CI a missing part fails. */
export function rsyncSkipReason(): string | undefined {
  const sshd = sshdSkipReason();
  if (sshd) return sshd;
  if (!existsSync("/usr/bin/rsync")) {
    if (process.env.CI) throw new Error("CI must run the rsync tests: rsync is not installed");
    return "rsync is not installed (apt-get install rsync)";
  }
  return undefined;
}

/** Names a shell or rsync could trip on: spaces, quotes, a leading dash, a colon, a newline, UTF-8. */
export const ODD_NAMES = [
  "sp ace.txt",
  'quote\'d "x".txt',
  "-dash.txt",
  "co:lon.txt",
  "new\nline.txt",
  "ünïcødé.txt",
];

/** A work folder (0755, so a plain login can reach it) with `files/site`: an index and `sub/page.html`. */
export function makeSiteWork(prefix: string): { work: string; site: string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(work, 0o755);
  const site = join(work, "files/site");
  mkdirSync(join(site, "sub"), { recursive: true });
  writeFileSync(join(site, "index.html"), "the new index\n");
  writeFileSync(join(site, "sub/page.html"), "the new page\n");
  return { work, site };
}

export function makeSourceTree(root: string): void {
  mkdirSync(join(root, "sub dir/deep"), { recursive: true });
  for (const name of ODD_NAMES) writeFileSync(join(root, name), `content of ${name}\n`);
  writeFileSync(join(root, "sub dir/deep/secret.key"), "key\n", { mode: 0o600 });
  writeFileSync(join(root, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  writeFileSync(join(root, "debug.log"), "noise\n");
  symlinkSync("run.sh", join(root, "link-to-run"));
  symlinkSync("../nowhere", join(root, "sub dir/dangling"));
  chmodSync(join(root, "sub dir"), 0o750);
}

/** Makes `path` (and below) belong to `user`, so a non-root login can read or write it. */
export function chownTree(path: string, user: string): void {
  execFileSync("chown", ["-R", `${user}:${user}`, path]);
}

export function ownerOf(path: string): string {
  return execFileSync("stat", ["-c", "%U", path]).toString().trim();
}
