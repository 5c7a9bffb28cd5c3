import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { recapLines, tsible } from "../../helpers/cli.js";
import {
  DISK_HOSTS,
  diskHostsInventory,
  mountTmpfs,
  seedHostDirs,
  type Tmpfs,
  tmpfsSkipReason,
  uidOf,
} from "../../helpers/disk.js";
import { type Sshd, startSshd, TEST_USERS } from "../../helpers/sshd.js";
import { makeSiteWork, rsyncSkipReason } from "./fixtures.js";

/**
 * A failed synchronize says `changed` only for what rsync left changed: rsync itemizes each file
 * before it sends it, so its list alone would call a push that wrote nothing a change (and count it in
 * the recap under ignore_errors). Pushed to the four DISK_HOSTS (locally, SFTP as root and as a plain
 * user, become), into a folder whose `sub/` is a read-only file system.
 */
const skip = tmpfsSkipReason() ?? rsyncSkipReason();

let sshd: Sshd;
let work: string;
let inventory: string;
const mounts: Tmpfs[] = [];

function playbook(name: string, src: string, dest: string): string {
  const file = join(work, `${name}.yml`);
  const lines = [
    "- hosts: all",
    "  gather_facts: false",
    "  tasks:",
    `    - name: ${name}`,
    "      synchronize:",
    `        src: ${src}`,
    `        dest: "${mounts[0]?.dir}/{{ inventory_hostname }}/${dest}"`,
    "      ignore_errors: true",
    "",
  ];
  writeFileSync(file, lines.join("\n"));
  return file;
}

/** Each host failed the task (ignored), with the read-only file system's error and `changed` as given. */
function expectIgnoredFailure(res: { code: number; stdout: string; stderr: string }, changed: boolean) {
  const out = res.stdout + res.stderr;
  expect(res.code, out).toBe(0);
  for (const host of DISK_HOSTS) {
    const fatal = res.stdout.split("\n").find((l) => l.startsWith(`fatal: [${host}]: FAILED!`)) ?? "";
    expect(fatal, out).toMatch(/read-only file system/i);
    expect(fatal, out).toContain(`"changed": ${changed}`);
    expect(
      recapLines(res.stdout).find((l) => l.startsWith(`${host} `)),
      out,
    ).toMatch(new RegExp(`ok=1\\s+changed=${changed ? 1 : 0}\\s+.*ignored=1`));
  }
}

const OLD_TIME = new Date("2020-01-01T00:00:00Z");

describe.skipIf(skip)(`a failed synchronize's changed${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = makeSiteWork("tsible-rsync-changed-").work;
    inventory = diskHostsInventory(work, sshd, TEST_USERS.nopw);
    const disk = mountTmpfs(join(work, "disk"), { sizeKiB: 1024 });
    mounts.push(disk);
    seedHostDirs(disk, TEST_USERS.nopw, { "site/index.html": { content: "old index\n", mode: 0o644 } });
    // each host's site/sub: a read-only file system of the user that host writes as, with an old page
    for (const host of DISK_HOSTS) {
      const sub = mountTmpfs(join(disk.dir, host, "site/sub"), { sizeKiB: 64 });
      mounts.push(sub);
      writeFileSync(join(sub.dir, "page.html"), "old page\n", { mode: 0o644 });
      utimesSync(join(sub.dir, "page.html"), OLD_TIME, OLD_TIME);
      const uid = host === "sftp-user" ? uidOf(TEST_USERS.nopw) : 0;
      execFileSync("chown", ["-R", `${uid}:${uid}`, sub.dir]);
      sub.remount("ro");
    }
  });

  afterAll(async () => {
    for (const m of mounts.reverse()) m.unmount();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("a push of which nothing could be written fails with changed false, and the recap counts no change", async () => {
    const res = await tsible([
      "run",
      playbook("push-into-read-only", "site/sub/", "site/sub/"),
      "-i",
      inventory,
    ]);
    expectIgnoredFailure(res, false);
    for (const host of DISK_HOSTS)
      expect(readFileSync(join(mounts[0]!.dir, host, "site/sub/page.html"), "utf8")).toBe("old page\n");
  });

  test("a push that fails part-way says changed: what lay outside the read-only folder landed", async () => {
    const res = await tsible(["run", playbook("push-part-way", "site/", "site/"), "-i", inventory]);
    expectIgnoredFailure(res, true);
    for (const host of DISK_HOSTS) {
      const dir = join(mounts[0]!.dir, host, "site");
      expect(readFileSync(join(dir, "index.html"), "utf8")).toBe("the new index\n");
      expect(readFileSync(join(dir, "sub/page.html"), "utf8")).toBe("old page\n");
    }
  });
});
