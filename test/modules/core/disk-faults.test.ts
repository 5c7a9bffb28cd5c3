import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedTasks, taskStatuses, tsible } from "../../helpers/cli.js";
import {
  DISK_HOSTS,
  dirState,
  diskHostsInventory,
  expectFailedOnEveryHost,
  hostStates,
  mountTmpfs,
  seedHostDirs,
  type Tmpfs,
  tmpfsSkipReason,
  uidOf,
} from "../../helpers/disk.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../../helpers/sshd.js";

/**
 * A full disk, a disk out of inodes and a read-only file system on the host (issue 8): the task fails
 * with the host's own error, naming the host and the path; the destination keeps its content, mode and
 * owner; no temp file is left beside it; once the disk is fixed a re-run converges and the next one
 * changes nothing. Every playbook runs on the four DISK_HOSTS at once (node:fs, SFTP as root and as a
 * plain user, the shell under become).
 */
const skip = tmpfsSkipReason() ?? sshdSkipReason();

let sshd: Sshd;
let work: string;
let inventory: string;
const mounts: Tmpfs[] = [];
let full: Tmpfs;
let noInodes: Tmpfs;
let readOnly: Tmpfs;

const BIG_TEXT = Array.from({ length: 1500 }, (_, i) => `setting_${i} = ${"v".repeat(8)}\n`).join("");
const OLD_LINES = Array.from({ length: 4000 }, (_, i) => `key_${i} = old\n`).join("");

interface Case {
  /** The task's name. */
  name: string;
  /** The module and its options, writing below `{{ base }}/{{ inventory_hostname }}`. */
  task: string;
  /** The path the task writes, relative to the host's folder. */
  dest: string;
}

const d = "{{ base }}/{{ inventory_hostname }}";
const CASES = {
  content: {
    name: "copy content",
    task: `copy: { content: "{{ big_text }}", dest: "${d}/content.conf" }`,
    dest: "content.conf",
  },
  src: { name: "copy src", task: `copy: { src: big.bin, dest: "${d}/src.bin" }`, dest: "src.bin" },
  template: {
    name: "template",
    task: `template: { src: big.j2, dest: "${d}/template.conf" }`,
    dest: "template.conf",
  },
  lineinfile: {
    name: "lineinfile",
    task: `lineinfile: { path: "${d}/lines.conf", line: "added = yes" }`,
    dest: "lines.conf",
  },
  archive: {
    name: "archive",
    task: `archive: { path: "{{ archive_src }}", dest: "${d}/backup.tar.gz" }`,
    dest: "backup.tar.gz",
  },
  touch: { name: "touch", task: `file: { path: "${d}/touched", state: touch }`, dest: "touched" },
  directory: {
    name: "directory",
    task: `file: { path: "${d}/newdir", state: directory, mode: "0750" }`,
    dest: "newdir",
  },
} satisfies Record<string, Case>;

/** A playbook (beside files/big.bin and templates/big.j2) running each case on its mount. */
function playbook(name: string, steps: Array<[Case, Tmpfs]>): string {
  const file = join(work, `${name}.yml`);
  const tasks = steps.flatMap(([c, mount]) => [
    `    - name: ${c.name}`,
    `      ${c.task}`,
    `      vars: { base: ${mount.dir} }`,
  ]);
  writeFileSync(file, ["- hosts: all", "  gather_facts: false", "  tasks:", ...tasks, ""].join("\n"));
  return file;
}

function run(play: string, ...extra: string[]) {
  return tsible(["run", play, "-i", inventory, "-e", `@${join(work, "vars.yml")}`, ...extra]);
}

/** Runs one failing task on every host; everything the user sees and finds afterwards is checked. */
async function expectFailure(mount: Tmpfs, c: Case, hostError: RegExp): Promise<void> {
  const before = hostStates(mount);
  const res = await run(playbook(`fail-${c.dest}`, [[c, mount]]));
  expectFailedOnEveryHost(res, (host) => join(mount.dir, host, c.dest), hostError);
  // old content, mode and owner kept; no temp file beside it
  expect(hostStates(mount)).toEqual(before);
}

const allChanged = (cases: Case[]) =>
  cases.map((c) => ({ task: c.name, statuses: DISK_HOSTS.map(() => "changed") }));

describe.skipIf(skip)(`full and read-only disks on the host${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), "tsible-disk-faults-"));
    chmodSync(work, 0o755);
    mkdirSync(join(work, "files"));
    writeFileSync(join(work, "files/big.bin"), randomBytes(150 * 1024));
    mkdirSync(join(work, "templates"));
    writeFileSync(join(work, "templates/big.j2"), `# {{ inventory_hostname }}\n${BIG_TEXT}`);
    mkdirSync(join(work, "archive-src"));
    writeFileSync(join(work, "archive-src/data.bin"), randomBytes(100 * 1024), { mode: 0o644 });
    writeFileSync(
      join(work, "vars.yml"),
      `big_text: ${JSON.stringify(BIG_TEXT)}\narchive_src: ${join(work, "archive-src")}\n`,
    );
    inventory = diskHostsInventory(work, sshd, TEST_USERS.nopw);

    full = mountTmpfs(join(work, "full"), { sizeKiB: 4096 });
    mounts.push(full);
    seedHostDirs(full, TEST_USERS.nopw, {
      "content.conf": { content: "old content\n", mode: 0o640 },
      "src.bin": { content: "old binary\n", mode: 0o600 },
      "template.conf": { content: "old template\n", mode: 0o644 },
      "lines.conf": { content: OLD_LINES, mode: 0o640 },
      "backup.tar.gz": { content: "old archive\n", mode: 0o600 },
    });
    full.fillBlocks(8);

    noInodes = mountTmpfs(join(work, "inodes"), { sizeKiB: 256, inodes: 64 });
    mounts.push(noInodes);
    seedHostDirs(noInodes, TEST_USERS.nopw, {});
    noInodes.fillInodes();

    readOnly = mountTmpfs(join(work, "ro"), { sizeKiB: 512 });
    mounts.push(readOnly);
    seedHostDirs(readOnly, TEST_USERS.nopw, {
      "content.conf": { content: "old content\n", mode: 0o640 },
      "template.conf": { content: "old template\n", mode: 0o644 },
      "lines.conf": { content: "key = old\n", mode: 0o600 },
    });
    readOnly.remount("ro");
  });

  afterAll(async () => {
    for (const m of mounts) m.unmount();
    await sshd?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe("a full disk (8 KiB left)", () => {
    test("the filler leaves less room than any of the writes needs", () => {
      expect(full.free()).toBeGreaterThan(0);
      expect(full.free()).toBeLessThanOrEqual(16 * 1024);
    });

    for (const c of [CASES.content, CASES.src, CASES.template, CASES.lineinfile, CASES.archive]) {
      test(`${c.name}: fails with "No space left on device", the old file stays whole`, async () => {
        await expectFailure(full, c, /no space left on device/i);
      });
    }

    // The hosts share the room left: which write meets the full disk first (archive: the manifest or
    // the tar) depends on how they interleave, and each must name the reason.
    test('archive with no room even for its manifest: fails with "No space left on device"', async () => {
      const rest = join(full.dir, ".rest");
      execFileSync("fallocate", ["-l", String(full.free()), rest]);
      try {
        expect(full.free()).toBe(0);
        await expectFailure(full, CASES.archive, /no space left on device/i);
      } finally {
        rmSync(rest, { force: true });
      }
    });
  });

  describe("a disk out of inodes", () => {
    test("file state=touch: fails with the host's error, nothing is created", async () => {
      await expectFailure(noInodes, CASES.touch, /no space left on device/i);
    });
    test("file state=directory: fails with the host's error, nothing is created", async () => {
      await expectFailure(noInodes, CASES.directory, /no space left on device/i);
    });
  });

  test("with space freed a re-run converges, and the next run changes only touch (always changed, as in Ansible)", async () => {
    full.unfill();
    noInodes.unfill();
    const steps: Array<[Case, Tmpfs]> = [
      [CASES.content, full],
      [CASES.src, full],
      [CASES.template, full],
      [CASES.lineinfile, full],
      [CASES.archive, full],
      [CASES.touch, noInodes],
      [CASES.directory, noInodes],
    ];
    const play = playbook("converge-full", steps);
    const first = await run(play);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(taskStatuses(first.stdout)).toEqual(allChanged(steps.map(([c]) => c)));

    const big = readFileSync(join(work, "files/big.bin"));
    for (const host of DISK_HOSTS) {
      const dir = join(full.dir, host);
      expect(readFileSync(join(dir, "content.conf"), "utf8")).toBe(BIG_TEXT);
      expect(readFileSync(join(dir, "src.bin")).equals(big)).toBe(true);
      expect(readFileSync(join(dir, "template.conf"), "utf8")).toBe(`# ${host}\n${BIG_TEXT}`);
      expect(readFileSync(join(dir, "lines.conf"), "utf8")).toBe(`${OLD_LINES}added = yes\n`);
      const state = dirState(dir);
      // a replaced file keeps its mode
      expect(state["content.conf"]).toMatch(/^file 0640 /);
      expect(state["src.bin"]).toMatch(/^file 0600 /);
      expect(state["lines.conf"]).toMatch(/^file 0640 /);
      expect(Object.keys(state)).toEqual([
        "backup.tar.gz",
        "backup.tar.gz.sha256",
        "content.conf",
        "lines.conf",
        "src.bin",
        "template.conf",
      ]);
      expect(Object.keys(dirState(join(noInodes.dir, host)))).toEqual(["newdir", "touched"]);
    }

    const second = await run(play);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(changedTasks(second.stdout)).toEqual(["touch"]);
  });

  describe("a write that fails after its temp file is written (plain user: SFTP, and the shell under become)", () => {
    const plain = ["sftp-user", "shell-become"] as const;
    const asPlainUser = ["--limit", plain.join(","), "-e", `ansible_become_user=${TEST_USERS.nopw}`];

    /** A folder of `owner` with a `<host>.conf` of `fileOwner` (mode 0644) for each plain host. */
    function seedFolder(name: string, mode: number, owner: number, fileOwner: number): string {
      const dir = join(work, name);
      mkdirSync(dir);
      chmodSync(dir, mode);
      chownSync(dir, owner, owner);
      for (const host of plain) {
        writeFileSync(join(dir, `${host}.conf`), "old content\n", { mode: 0o644 });
        chownSync(join(dir, `${host}.conf`), fileOwner, fileOwner);
      }
      return dir;
    }

    async function expectFailureIn(dir: string, task: string, hostError: RegExp): Promise<void> {
      const before = dirState(dir);
      const play = join(work, `${basename(dir)}.yml`);
      writeFileSync(
        play,
        `- hosts: all\n  gather_facts: false\n  tasks:\n    - ${task}\n      vars: { dir: ${dir} }\n`,
      );
      const res = await run(play, ...asPlainUser);
      expectFailedOnEveryHost(res, (host) => join(dir, `${host}.conf`), hostError, plain);
      expect(dirState(dir)).toEqual(before);
    }

    test("a failed chown (a plain user giving the file to root): the host's error, no temp file left", async () => {
      const user = uidOf(TEST_USERS.nopw);
      const dir = seedFolder("chown", 0o755, user, user);
      await expectFailureIn(
        dir,
        'copy: { content: "new\\n", dest: "{{ dir }}/{{ inventory_hostname }}.conf", owner: root }',
        /operation not permitted|permission denied/i,
      );
    });

    test("a failed rename (root's file in a sticky folder): the host's error, no temp file left", async () => {
      const dir = seedFolder("sticky", 0o1777, 0, 0);
      await expectFailureIn(
        dir,
        'copy: { content: "new\\n", dest: "{{ dir }}/{{ inventory_hostname }}.conf" }',
        /operation not permitted|permission denied/i,
      );
    });
  });

  describe("a read-only file system", () => {
    const roCases = [CASES.content, CASES.template, CASES.lineinfile];

    test("--check predicts each change and exits 0: it writes nothing, so it does not probe writability (as Ansible)", async () => {
      const before = hostStates(readOnly);
      const res = await run(
        playbook(
          "check-ro",
          roCases.map((c) => [c, readOnly]),
        ),
        "--check",
      );
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(taskStatuses(res.stdout)).toEqual(allChanged(roCases));
      expect(hostStates(readOnly)).toEqual(before);
    });

    for (const c of roCases) {
      test(`${c.name}: fails with "Read-only file system", the old file stays whole`, async () => {
        await expectFailure(readOnly, c, /read-only file system/i);
      });
    }

    test("remounted read-write, a re-run converges and the next run changes nothing", async () => {
      readOnly.remount("rw");
      const play = playbook(
        "converge-ro",
        roCases.map((c) => [c, readOnly]),
      );
      const first = await run(play);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      expect(taskStatuses(first.stdout)).toEqual(allChanged(roCases));
      for (const host of DISK_HOSTS) {
        const dir = join(readOnly.dir, host);
        expect(readFileSync(join(dir, "lines.conf"), "utf8")).toBe("key = old\nadded = yes\n");
        expect(dirState(dir)["lines.conf"]).toMatch(/^file 0600 /);
      }
      const second = await run(play);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(changedTasks(second.stdout)).toEqual([]);
    });
  });
});
