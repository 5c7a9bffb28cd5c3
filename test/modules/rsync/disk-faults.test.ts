import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedTasks, taskStatuses, tsible } from "../../helpers/cli.js";
import {
  DISK_HOSTS,
  diskHostsInventory,
  expectFailedOnEveryHost,
  hostStates,
  mountTmpfs,
  seedHostDirs,
  type Tmpfs,
  tmpfsSkipReason,
} from "../../helpers/disk.js";
import { type Sshd, startSshd, TEST_USERS } from "../../helpers/sshd.js";
import { makeSiteWork, rsyncSkipReason } from "./fixtures.js";

/**
 * synchronize into a full disk (issue 8), locally and through the SSH relay as root, as a plain user
 * and with become, pushing into the host's disk and pulling into the controller's: the task fails with rsync's words for the host's error, nothing of the new tree
 * lands (rsync's --delay-updates), and no `.~tmp~` folder with half-sent files is left in the
 * destination; with space freed a re-run converges and the next changes nothing.
 */
const skip = tmpfsSkipReason() ?? rsyncSkipReason();

let sshd: Sshd;
let work: string;
let inventory: string;
let full: Tmpfs | undefined;

const PUSH = [
  "    - name: push the site",
  "      synchronize:",
  "        src: site/",
  '        dest: "{{ base }}/{{ inventory_hostname }}/site/"',
];
/** A pull: the host's copy of the site (the same machine) into the controller's full disk. */
const PULL = [
  "    - name: pull the site",
  "      synchronize:",
  "        mode: pull",
  '        src: "{{ site }}/"',
  '        dest: "{{ base }}/{{ inventory_hostname }}/pulled/"',
];

function playbook(name: string, ...tasks: string[][]): string {
  const file = join(work, `${name}.yml`);
  const head = ["- hosts: all", "  gather_facts: false", "  vars:", `    base: ${full?.dir}`];
  writeFileSync(
    file,
    [...head, `    site: ${join(work, "files/site")}`, "  tasks:", ...tasks.flat(), ""].join("\n"),
  );
  return file;
}

describe.skipIf(skip)(`synchronize into a full disk${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    sshd = await startSshd();
    const made = makeSiteWork("tsible-rsync-disk-");
    work = made.work;
    const site = made.site;
    for (const name of ["a.bin", "b.bin", "sub/c.bin"])
      writeFileSync(join(site, name), randomBytes(60 * 1024));
    inventory = diskHostsInventory(work, sshd, TEST_USERS.nopw);
    full = mountTmpfs(join(work, "full"), { sizeKiB: 2048 });
    seedHostDirs(full, TEST_USERS.nopw, {
      "site/index.html": { content: "old index\n", mode: 0o644 },
      "site/sub/page.html": { content: "old page\n", mode: 0o640 },
      "pulled/index.html": { content: "old index\n", mode: 0o644 },
      "pulled/sub/page.html": { content: "old page\n", mode: 0o640 },
    });
    // rsync creates folders and sets their owner at once (only file contents wait for the end), so
    // the pulled copy starts with the folders and owners of its source: root's, on the controller
    execFileSync("chown", ["-R", "0:0", join(full.dir, "sftp-user", "pulled")]);
    full.fillBlocks(8);
  });

  afterAll(async () => {
    full?.unmount();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const [name, task, folder] of [
    ["push", PUSH, "site"],
    ["pull", PULL, "pulled"],
  ] as const) {
    test(`a ${name} fails with the host's error; the old files stay and no .~tmp~ is left`, async () => {
      const mount = full!;
      const before = hostStates(mount);
      const failed = await tsible(["run", playbook(name, [...task]), "-i", inventory]);
      expectFailedOnEveryHost(failed, (host) => join(mount.dir, host, folder), /no space left on device/i);
      // rsync listed the files it set out to send, but none of them landed
      const fatalLines = failed.stdout.split("\n").filter((l) => l.startsWith("fatal: "));
      expect(fatalLines.map((l) => l.match(/"changed": \w+/)?.[0])).toEqual(
        DISK_HOSTS.map(() => '"changed": false'),
      );
      // rsync stops its remote shell (the relay script) with SIGUSR1: no inspector, no crash
      expect(failed.stdout).not.toMatch(/Debugger listening|inspector|EPIPE|Unhandled/);
      expect(hostStates(mount)).toEqual(before);
    });
  }

  test("with space freed a re-run converges, and the next run changes nothing", async () => {
    const mount = full!;
    mount.unfill();
    const play = playbook("converge", [...PUSH], [...PULL]);
    const first = await tsible(["run", play, "-i", inventory]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(taskStatuses(first.stdout)).toEqual([
      { task: "push the site", statuses: DISK_HOSTS.map(() => "changed") },
      { task: "pull the site", statuses: DISK_HOSTS.map(() => "changed") },
    ]);
    const source = readFileSync(join(work, "files/site/sub/c.bin"));
    for (const host of DISK_HOSTS) {
      for (const folder of ["site", "pulled"]) {
        const dest = join(mount.dir, host, folder);
        expect(readFileSync(join(dest, "index.html"), "utf8")).toBe("the new index\n");
        expect(readFileSync(join(dest, "sub/c.bin")).equals(source)).toBe(true);
      }
      expect(Object.keys(hostStates(mount)[host]).filter((p) => p.includes("~tmp~"))).toEqual([]);
    }
    const second = await tsible(["run", play, "-i", inventory]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(changedTasks(second.stdout)).toEqual([]);
  });
});
