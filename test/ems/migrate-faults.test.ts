import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliResult, ROOT, tsible } from "../helpers/cli.js";
import { type Sshd, sshdSkipReason, startSshd } from "../helpers/sshd.js";
import { snapshotTree } from "../helpers/tree.js";
import { rootOverSsh } from "./legacy-vps.js";
import { type CheckRealReal, checkRealReal } from "./playbook-runs.js";
import { snapshot } from "./snapshot.js";

/**
 * migrate.yml under faults the injected failures (sandbox.test.ts) cannot make: a file system the
 * migration writes to is too small (the preflight refuses), the disk holding the backups fills up
 * in the middle of the backup, and the connection to the host is killed in the middle of the move.
 * All need root: a tmpfs mount, and the test sshd logging in as root.
 */

function tmpfsSkipReason(): string | undefined {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = "mounting a small tmpfs needs root";
  else {
    const probe = mkdtempSync(join(tmpdir(), "tsible-tmpfs-probe-"));
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], {
      encoding: "utf8",
    });
    if (mounted.status === 0) spawnSync("umount", [probe]);
    else reason = `cannot mount a tmpfs here: ${(mounted.stderr || mounted.error?.message || "").trim()}`;
    rmSync(probe, { recursive: true, force: true });
  }
  if (reason && process.env.CI) throw new Error(`CI must run the full-disk migration test: ${reason}`);
  return reason;
}

let root: string;
let aside: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "tsible-ems-faults-"));
  // the run lock lives outside the sandbox
  aside = mkdtempSync(join(tmpdir(), "tsible-ems-aside-"));
});
/** tmpfs mounts of the running test, unmounted before its folders go. */
const mounts: string[] = [];
afterEach(() => {
  for (let at = mounts.pop(); at !== undefined; at = mounts.pop()) spawnSync("umount", [at]);
  rmSync(root, { recursive: true, force: true });
  rmSync(aside, { recursive: true, force: true });
});

/** A fresh tmpfs of `size` at `path` (made if missing), its root folder `mode`, unmounted after the test. */
function mountTmpfs(path: string, size: string, mode = "0755"): void {
  mkdirSync(path, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=${mode}`, "tmpfs", path]);
  mounts.push(path);
}

/** `from` bind-mounted at `path` (both made if missing): a mount point on the same file system. */
function mountBind(from: string, path: string): void {
  mkdirSync(from, { recursive: true });
  mkdirSync(path, { recursive: true });
  execFileSync("mount", ["--bind", from, path]);
  mounts.push(path);
}

function isMountPoint(path: string): boolean {
  return spawnSync("mountpoint", ["-q", path]).status === 0;
}

const legacy = (base = root) => join(base, "root/apps/ems_system");
const target = (base = root) => join(base, "opt/ems_system");

function run(inventory: string, args: string[], base = root): Promise<CliResult> {
  return tsible(["run", ...args, "-i", inventory], {
    env: { TSIBLE_SANDBOX: base, TSIBLE_LOCK_DIR: join(aside, "run.lock") },
  });
}

function expectSuccess(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

/** The seeded legacy tree, and a 2 MiB upload that does not compress (a scanned document). */
async function seed(base = root): Promise<void> {
  expectSuccess(await run("inventory/sandbox", ["playbooks/sandbox-seed.yml"], base));
  writeFileSync(join(legacy(base), "uploads/ems/2024/scan.bin"), randomBytes(2 * 1024 * 1024));
}

/** The new layout and what is left of the legacy one, minus what names a time (backups, marker). */
function layout(base: string): Record<string, unknown> {
  const tree = { ...snapshotTree(target(base)) };
  for (const path of Object.keys(tree)) if (/^data\/backups\/./.test(path)) delete tree[path];
  delete tree[".migration/done"];
  return { target: tree, legacy: snapshotTree(legacy(base)) };
}

/**
 * layout() after a migration of the same seed (its scan.bin the file at `scan`) on a host with no
 * volume mounted, run once and nobody interrupting it: what every other migration must end as.
 */
async function referenceLayout(scan: string): Promise<Record<string, unknown>> {
  const reference = mkdtempSync(join(tmpdir(), "tsible-ems-reference-"));
  try {
    await seed(reference);
    writeFileSync(join(legacy(reference), "uploads/ems/2024/scan.bin"), readFileSync(scan));
    expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"], reference));
    return layout(reference);
  } finally {
    rmSync(reference, { recursive: true, force: true });
  }
}

type DataItems = Record<"uploads" | "letsencrypt" | "logs", Map<string, string>>;

/** The data items, wherever they are now, as a user would check them byte for byte. */
function dataAt(where: "legacy" | "target"): DataItems {
  const paths =
    where === "legacy"
      ? { uploads: "uploads", letsencrypt: "servers/infra/letsencrypt", logs: "logs" }
      : { uploads: "data/uploads", letsencrypt: "data/letsencrypt", logs: "logs/legacy" };
  const base = where === "legacy" ? legacy() : target();
  return Object.fromEntries(
    Object.entries(paths).map(([name, path]) => [name, snapshot(join(base, path))]),
  ) as DataItems;
}

/** The legacy data items (uploads, certificates, logs) where the seed puts them. */
const legacyData = (base = root) =>
  ["uploads", "servers/infra/letsencrypt", "logs"].map((path) => join(legacy(base), path));

/** What the paths take on disk, in KiB, item by item as the preflight adds them up (du -sk). */
function kib(...paths: string[]): number {
  return paths.reduce(
    (sum, path) => sum + Number(execFileSync("du", ["-sk", path], { encoding: "utf8" }).split("\t")[0]),
    0,
  );
}

/** KiB free on the file system of `path`, as df reports it. */
function freeKiB(path: string): number {
  const st = statfsSync(path);
  return (st.bavail * st.bsize) / 1024;
}

/** The margin inventory/sandbox keeps free on each file system (migrate_disk_margin_kb). */
const MARGIN_KIB = 1024;

/** migrate.yml check → real → real (checkRealReal) in the sandbox, all of it observed. */
function migrateCheckRealReal(note: string, args: string[] = []): Promise<CheckRealReal> {
  return checkRealReal(
    { playbook: "migrate.yml", where: "sandbox", note, args },
    (extra) => run("inventory/sandbox", extra),
    () => snapshot(root),
  );
}

/** The message of the preflight's refusal for lack of disk ("" when it did not refuse). */
function diskRefusal(result: CliResult): string {
  const task = taskOutput(result.stdout, "migrate : Enough free disk on each of them");
  const fatal = /^fatal: \[sandbox\]: FAILED! => (.*)$/m.exec(task);
  return fatal ? (JSON.parse(fatal[1]!) as { msg: string }).msg : "";
}

/**
 * migrate.yml --check, then for real: each run refused in the preflight's task `label` (a data
 * item failed it) and went no further. The two refusals' messages.
 */
async function itemRefusals(label: string): Promise<string[]> {
  const checked = await run("inventory/sandbox", ["playbooks/migrate.yml", "--check"]);
  const failed = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
  return [checked, failed].map((result) => {
    expect(result.code, result.stdout).toBe(2);
    const task = taskOutput(result.stdout, `migrate : ${label}`);
    const fatal = /^failed: \[sandbox\] \(item=.*?\) => (.*)$/m.exec(task);
    expect(fatal, task).not.toBeNull();
    expect(result.stdout).not.toContain("TASK [migrate : Step backup]");
    return (JSON.parse(fatal![1]!) as { msg: string }).msg;
  });
}

/** The preflight refused (in a check run and a real one alike) and the run went no further. */
function expectRefusedBeforeAnyChange(result: CliResult): void {
  expect(result.code, result.stdout).toBe(2);
  expect(diskRefusal(result)).toMatch(/^Not enough free disk, nothing was changed: /);
  expect(result.stdout).not.toContain("TASK [migrate : Step backup]");
  expect(result.stdout).toMatch(/sandbox\s+: ok=\d+\s+changed=0\s+unreachable=0\s+failed=1/);
}

const fullDiskSkip = tmpfsSkipReason();

describe.skipIf(fullDiskSkip)(
  `a file system the migration writes to is too small${fullDiskSkip ? ` (skipped: ${fullDiskSkip})` : ""}`,
  () => {
    it("refuses before any change when the logs' own file system lacks room, though ems_root's has plenty", async () => {
      await seed();
      // a big log, and the logs folder of the new layout on a small file system of its own
      writeFileSync(join(legacy(), "logs/big.log"), randomBytes(2 * 1024 * 1024));
      const logs = join(target(), "logs");
      mountTmpfs(logs, "2m");
      const before = snapshot(root);
      const logsKiB = kib(join(legacy(), "logs"));
      const free = freeKiB(logs);
      expect(free, "the logs would fit without the margin only").toBeLessThan(logsKiB + MARGIN_KIB);
      expect(freeKiB(target()), "ems_root's file system has room").toBeGreaterThan(100 * 1024);

      const checked = await run("inventory/sandbox", ["playbooks/migrate.yml", "--check"]);
      const failed = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
      for (const result of [checked, failed]) {
        expectRefusedBeforeAnyChange(result);
        expect(diskRefusal(result)).toContain(
          `the file system mounted at ${logs} needs ${logsKiB + MARGIN_KIB} KiB ` +
            `(${logs}/legacy (logs moved) ${logsKiB} KiB + margin ${MARGIN_KIB} KiB) and has ${free} KiB free`,
        );
        // only the file system that lacks room is named
        expect(diskRefusal(result).match(/mounted at/g)).toHaveLength(1);
      }
      expect(diskRefusal(checked)).toEqual(diskRefusal(failed));
      // nothing on the host changed: the legacy data whole, no backup, no partial copy
      expect(snapshot(root)).toEqual(before);
    }, 120_000);

    it("adds up what lands on one file system: the backup and the moved uploads each fit, together they do not", async () => {
      await seed();
      // the data tree (backups, uploads, certificates) on its own file system
      const data = join(target(), "data");
      mountTmpfs(data, "4m");
      const before = snapshot(root);
      const [uploads, letsencrypt] = legacyData() as [string, string, string];
      const backupKiB = kib(...legacyData());
      const uploadsKiB = kib(uploads);
      const certsKiB = kib(letsencrypt);
      const needKiB = uploadsKiB + certsKiB + backupKiB + MARGIN_KIB;
      const free = freeKiB(data);
      expect(free, "the backup alone fits").toBeGreaterThanOrEqual(backupKiB + MARGIN_KIB);
      expect(free, "the moved uploads alone fit").toBeGreaterThanOrEqual(uploadsKiB + MARGIN_KIB);
      expect(free, "together they do not").toBeLessThan(needKiB);

      const checked = await run("inventory/sandbox", ["playbooks/migrate.yml", "--check"]);
      const failed = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
      for (const result of [checked, failed]) {
        expectRefusedBeforeAnyChange(result);
        expect(diskRefusal(result)).toContain(
          `the file system mounted at ${data} needs ${needKiB} KiB (` +
            `${data}/uploads (uploads moved) ${uploadsKiB} KiB + ` +
            `${data}/letsencrypt (letsencrypt moved) ${certsKiB} KiB + ` +
            `${data}/backups (backup) ${backupKiB} KiB + margin ${MARGIN_KIB} KiB) and has ${free} KiB free`,
        );
      }
      expect(snapshot(root)).toEqual(before);

      // with room for the sum the same run migrates
      const expected = dataAt("legacy");
      execFileSync("mount", ["-o", `remount,size=${needKiB + 1024}k`, data]);
      expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"]));
      expect(dataAt("target")).toEqual(expected);
    }, 120_000);
  },
);

describe.skipIf(fullDiskSkip)(
  `a full disk during the backup${fullDiskSkip ? ` (skipped: ${fullDiskSkip})` : ""}`,
  () => {
    it("fails at the backup with the host's error, moves nothing, leaves no half backup; a re-run with room migrates", async () => {
      await seed();
      const backups = join(target(), "data/backups");
      // 1 MiB for the backups: the archive of the 2 MiB upload runs out of room half way
      mountTmpfs(backups, "1m");
      const before = snapshot(legacy());
      const data = dataAt("legacy");

      // the preflight sees that the backup cannot fit...
      const refused = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
      expect(refused.code, refused.stdout).toBe(2);
      expect(diskRefusal(refused)).toContain(`${backups} (backup) ${kib(...legacyData())} KiB`);
      expect(snapshot(legacy())).toEqual(before);
      expect(readdirSync(backups)).toEqual([]);

      // ...so this is the disk that fills up after the preflight passed (another writer)
      const failed = await run("inventory/sandbox", [
        "playbooks/migrate.yml",
        "-e",
        "migrate_disk_check=false",
      ]);
      expect(failed.code, failed.stdout).toBe(2);
      // the backup task failed with the host's own error
      const backupTask = taskOutput(
        failed.stdout,
        "migrate : Archive, listing and checksums of each data item",
      );
      expect(backupTask).toMatch(/^failed: \[sandbox\]/m);
      expect(backupTask).toContain("No space left on device");
      expect(failed.stdout).toContain("failed at step 'backup' and was rolled back");
      // the legacy layout byte for byte, nothing in the new place, no backup left behind
      expect(snapshot(legacy())).toEqual(before);
      for (const path of ["data/uploads", "data/letsencrypt", "logs/legacy", ".migration"])
        expect(() => lstatSync(join(target(), path)), path).toThrow();
      expect(readdirSync(backups)).toEqual([]);

      execFileSync("mount", ["-o", "remount,size=32m", backups]);
      const resumed = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
      expectSuccess(resumed);
      expect(dataAt("target")).toEqual(data);
      const made = readdirSync(backups);
      expect(made).toHaveLength(1);
      expect(readdirSync(join(backups, made[0]!)).sort()).toEqual(
        [
          "COMPLETE",
          ...["letsencrypt", "logs", "uploads"].flatMap((n) => [
            `${n}.top`,
            `${n}.listing`,
            `${n}.sha256`,
            `${n}.tar.gz`,
            `${n}.tar.gz.sha256`,
          ]),
        ].sort(),
      );
    }, 120_000);
  },
);

/** What a user sees of the volumes mounted at destinations: each still mounted, its root's mode, its contents. */
function volumes(...paths: string[]): Record<string, unknown> {
  return Object.fromEntries(
    paths.map((path) => [
      path,
      {
        mounted: isMountPoint(path),
        mode: (lstatSync(path).mode & 0o7777).toString(8),
        files: snapshot(path),
      },
    ]),
  );
}

/** What snapshot() shows of a new ext4 volume's lost+found: an empty folder, 0700, root's. */
const LOST_FOUND = "dir 700 0:0";

/** The empty lost+found mkfs.ext4 makes at the root of a new volume, in the (tmpfs) volume at `volume`. */
function addLostFound(volume: string): void {
  const path = join(volume, "lost+found");
  mkdirSync(path);
  chmodSync(path, 0o700);
  chownSync(path, 0, 0);
}

/** `files` (a snapshot) with a new volume's empty lost+found beside them. */
function withLostFound(files: Map<string, string>): Map<string, string> {
  return new Map([...files, ["lost+found", LOST_FOUND]]);
}

/** The one backup a successful run made: what its listing and its archive of `item` name. */
function backedUp(item: string): { listing: string; archived: string } {
  const backups = join(target(), "data/backups");
  const made = readdirSync(backups);
  expect(made).toHaveLength(1);
  const dir = join(backups, made[0]!);
  return {
    listing: readFileSync(join(dir, `${item}.listing`), "utf8"),
    archived: execFileSync("tar", ["-tzf", join(dir, `${item}.tar.gz`)], { encoding: "utf8" }),
  };
}

describe.skipIf(fullDiskSkip)(
  `a volume mounted exactly at a destination${fullDiskSkip ? ` (skipped: ${fullDiskSkip})` : ""}`,
  () => {
    /**
     * The volumes of a VPS whose operator mounted them before the migration: the data folder on a
     * volume of its own, the uploads' destination on another volume inside it (0700 until filled),
     * and the legacy logs' destination a bind mount of a folder on the legacy tree's file system.
     */
    function mountVolumes(): { uploads: string; logs: string; logsSource: string } {
      mountTmpfs(join(target(), "data"), "64m");
      const uploads = join(target(), "data/uploads");
      mountTmpfs(uploads, "16m", "0700");
      const logs = join(target(), "logs/legacy");
      const logsSource = join(aside, "logs-volume");
      mountBind(logsSource, logs);
      return { uploads, logs, logsSource };
    }

    /** A run that fails on purpose after `step`, rolled back: the uploads moved back to the legacy tree. */
    async function failAfterMovingUploadsBack(step: string): Promise<void> {
      const failed = await run("inventory/sandbox", [
        "playbooks/migrate.yml",
        "-e",
        `migrate_fail_at=${step}`,
      ]);
      expect(failed.code, failed.stdout).toBe(2);
      expect(failed.stdout).toContain(`failed at step '${step}' and was rolled back`);
      expect(taskOutput(failed.stdout, "migrate : Data back in the legacy layout")).toMatch(
        /^changed: \[sandbox\] => \(item=\[\{'name': 'uploads'/m,
      );
    }

    it("fills each empty mount point in place, never removing it: check = real, the same host as with no volume, nothing left to change", async () => {
      await seed();
      const { uploads, logs, logsSource } = mountVolumes();
      const data = dataAt("legacy");

      const runs = await migrateCheckRealReal("volumes at destinations");
      for (const name of ["uploads", "logs"])
        expect(runs.real.changed.join("\n")).toContain(
          `migrate : Data moved into the new tree (item="[{'name': '${name}'`,
        );

      // the data is on the volumes, which are still mounted, with the modes the roles give them
      expect(dataAt("target")).toEqual(data);
      expect(volumes(uploads, logs)).toEqual({
        [uploads]: { mounted: true, mode: "775", files: data.uploads },
        [logs]: { mounted: true, mode: "755", files: data.logs },
      });
      expect(snapshot(logsSource)).toEqual(data.logs);
      // no mark of a copy under way is left
      expect(readdirSync(join(target(), "data")).sort()).toEqual(["backups", "letsencrypt", "uploads"]);
      expect(readdirSync(join(target(), "logs")).sort()).toEqual(["ems", "legacy", "sms"]);
      // the host byte for byte as a migration with no volume mounted leaves it
      expect(layout(root)).toEqual(await referenceLayout(join(uploads, "ems/2024/scan.bin")));
    }, 180_000);

    it.each(["move", "start"])(
      "a failure after %s moves the data back out of the mount points and leaves them mounted, empty, as they were",
      async (step) => {
        await seed();
        const { uploads, logs, logsSource } = mountVolumes();
        // and an empty folder, no mount point, at the certificates' destination
        const letsencrypt = join(target(), "data/letsencrypt");
        mkdirSync(letsencrypt, { mode: 0o750 });
        const data = dataAt("legacy");
        const before = snapshot(legacy());
        const volumesBefore = volumes(uploads, logs, letsencrypt);
        expect(volumesBefore[uploads]).toEqual({ mounted: true, mode: "700", files: new Map() });
        expect(volumesBefore[letsencrypt]).toEqual({ mounted: false, mode: "750", files: new Map() });

        await failAfterMovingUploadsBack(step);
        expect(snapshot(legacy())).toEqual(before);
        expect(volumes(uploads, logs, letsencrypt)).toEqual(volumesBefore);
        expect(readdirSync(logsSource)).toEqual([]);
        expect(readdirSync(join(target(), "data")).sort()).toEqual(["backups", "letsencrypt", "uploads"]);

        expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"]));
        expect(dataAt("target")).toEqual(data);
        expect(isMountPoint(uploads) && isMountPoint(logs)).toBe(true);
      },
      180_000,
    );

    it("fills a mount point whose only entry is a new volume's empty lost+found beside it, never copying it: check = real, nothing left to change", async () => {
      await seed();
      mountTmpfs(join(target(), "data"), "64m");
      const uploads = join(target(), "data/uploads");
      mountTmpfs(uploads, "16m");
      addLostFound(uploads);
      const data = dataAt("legacy");

      const runs = await migrateCheckRealReal("lost+found at a destination");
      expect(runs.real.changed.join("\n")).toContain(
        "migrate : Data moved into the new tree (item=\"[{'name': 'uploads'",
      );

      // the uploads beside the lost+found, which is where it was, as it was
      expect(dataAt("target")).toEqual({ ...data, uploads: withLostFound(data.uploads) });
      expect(volumes(uploads)).toEqual({
        [uploads]: { mounted: true, mode: "775", files: withLostFound(data.uploads) },
      });
      // the backup knows nothing of it
      const { listing, archived } = backedUp("uploads");
      expect(listing).toContain("./ems/2024/scan.bin");
      expect(listing).not.toContain("lost+found");
      expect(archived).toContain("uploads/ems/2024/scan.bin");
      expect(archived).not.toContain("lost+found");
      // the host byte for byte as a migration with no volume leaves it, and the lost+found
      const reference = await referenceLayout(join(uploads, "ems/2024/scan.bin"));
      expect(layout(root)).toEqual({
        ...reference,
        target: { ...(reference.target as object), "data/uploads/lost+found": { type: "dir", mode: "0700" } },
      });
    }, 180_000);

    it.each(["move", "start"])(
      "a failure after %s moves the data back out of a mount point and leaves its lost+found there",
      async (step) => {
        await seed();
        const uploads = join(target(), "data/uploads");
        mountTmpfs(uploads, "16m");
        addLostFound(uploads);
        const data = dataAt("legacy");
        const before = snapshot(legacy());
        const volumesBefore = volumes(uploads);
        expect(volumesBefore[uploads]).toEqual({
          mounted: true,
          mode: "755",
          files: withLostFound(new Map()),
        });

        await failAfterMovingUploadsBack(step);
        // the legacy tree as it was (no lost+found came along), the volume as it was
        expect(snapshot(legacy())).toEqual(before);
        expect(volumes(uploads)).toEqual(volumesBefore);

        expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"]));
        expect(volumes(uploads)).toEqual({
          [uploads]: { mounted: true, mode: "775", files: withLostFound(data.uploads) },
        });
      },
      180_000,
    );

    it.each([
      ["its lost+found holds what fsck put back", (lf: string) => writeFileSync(join(lf, "#1234"), "x")],
      ["its lost+found is 0755", (lf: string) => chmodSync(lf, 0o755)],
      ["its lost+found is not root's", (lf: string) => chownSync(lf, 1000, 1000)],
      [
        "a file beside its empty lost+found",
        (lf: string) => writeFileSync(join(lf, "../notes.txt"), "mine\n"),
      ],
    ])(
      "refuses a mount point holding more than an empty lost+found (%s) before any change, naming it",
      async (_what, spoil) => {
        await seed();
        const uploads = join(target(), "data/uploads");
        mountTmpfs(uploads, "16m");
        addLostFound(uploads);
        spoil(join(uploads, "lost+found"));
        const before = snapshot(root);

        for (const refusal of await itemRefusals("Each destination is empty or already identical"))
          expect(refusal).toBe(
            `${uploads} already holds data that differs from ${legacy()}/uploads. Nothing was changed. ` +
              "It is a mount point, which the migration fills but never moves: empty it (only an empty " +
              "lost+found, mode 0700 and root's, as mkfs makes it, may stay) and run again.",
          );
        expect(snapshot(root)).toEqual(before);
        expect(isMountPoint(uploads)).toBe(true);
      },
      120_000,
    );

    it("charges what moves into a mount point to the volume mounted there, not to its parent's file system; a fill that runs out of room anyway is undone", async () => {
      await seed();
      // the uploads' parent is on the legacy tree's file system (the move would look like a
      // rename), the uploads' own volume is too small for them
      const uploads = join(target(), "data/uploads");
      mountTmpfs(uploads, "2m");
      const uploadsKiB = kib(join(legacy(), "uploads"));
      const free = freeKiB(uploads);
      expect(free, "the uploads would fit without the margin only").toBeLessThan(uploadsKiB + MARGIN_KIB);
      expect(freeKiB(join(target(), "data")), "the parent's file system has room").toBeGreaterThan(
        100 * 1024,
      );
      const before = snapshot(root);

      const checked = await run("inventory/sandbox", ["playbooks/migrate.yml", "--check"]);
      const failed = await run("inventory/sandbox", ["playbooks/migrate.yml"]);
      for (const result of [checked, failed]) {
        expectRefusedBeforeAnyChange(result);
        expect(diskRefusal(result)).toBe(
          `Not enough free disk, nothing was changed: the file system mounted at ${uploads} needs ` +
            `${uploadsKiB + MARGIN_KIB} KiB (${uploads} (uploads moved) ${uploadsKiB} KiB + margin ${MARGIN_KIB} KiB) ` +
            `and has ${free} KiB free. Make room there (or move that path to a bigger file system) and run again.`,
        );
      }
      expect(snapshot(root)).toEqual(before);

      // what the disk check prevents: the volume fills up in the middle of the copy into it
      const legacyBefore = snapshot(legacy());
      const cutOff = await run("inventory/sandbox", [
        "playbooks/migrate.yml",
        "-e",
        "migrate_disk_check=false",
      ]);
      expect(cutOff.code, cutOff.stdout).toBe(2);
      const move = taskOutput(cutOff.stdout, "migrate : Data moved into the new tree");
      expect(move).toMatch(/^failed: \[sandbox\] \(item=\[\{'name': 'uploads'/m);
      expect(move).toContain("No space left on device");
      expect(cutOff.stdout).toContain("failed at step 'move' and was rolled back");
      expect(taskOutput(cutOff.stdout, "migrate : Data back in the legacy layout")).toMatch(
        /^changed: \[sandbox\] => \(item=\[\{'name': 'uploads'/m,
      );
      // the cut-off copy is gone, the volume still mounted and empty, the legacy tree as it was
      expect(snapshot(legacy())).toEqual(legacyBefore);
      expect(volumes(uploads)).toEqual({ [uploads]: { mounted: true, mode: "755", files: new Map() } });
      expect(readdirSync(join(target(), "data")).sort()).toEqual(["backups", "uploads"]);

      execFileSync("mount", ["-o", `remount,size=${uploadsKiB + MARGIN_KIB + 1024}k`, uploads]);
      const data = dataAt("legacy");
      expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"]));
      expect(dataAt("target")).toEqual(data);
    }, 120_000);
  },
);

describe.skipIf(fullDiskSkip)(
  `legacy data on a volume mounted at its legacy folder${fullDiskSkip ? ` (skipped: ${fullDiskSkip})` : ""}`,
  () => {
    /**
     * The seeded legacy folder `path` on a volume mounted there by `mount` (given the folder's
     * mode): its files moved aside, the volume mounted, the files copied onto it, modes and owners
     * kept. Returns the folder's mode.
     */
    function ontoVolume(path: string, mount: (mode: string) => void): string {
      const mode = (lstatSync(path).mode & 0o7777).toString(8);
      const seeded = mkdtempSync(join(aside, "seeded-"));
      renameSync(path, join(seeded, "data"));
      mount(mode);
      execFileSync("cp", ["-a", `${join(seeded, "data")}/.`, `${path}/`]);
      return mode;
    }

    /** The legacy uploads on a volume of their own: a new ext4 volume, its empty lost+found beside them. */
    function uploadsOnVolume(): { uploads: string; mode: string } {
      const uploads = join(legacy(), "uploads");
      const mode = ontoVolume(uploads, (m) => {
        mountTmpfs(uploads, "16m", m);
        addLostFound(uploads);
      });
      return { uploads, mode };
    }

    it("moves the data off the volumes, which stay mounted; the cleanup removes the legacy tree around them, names them, and then has nothing left to do", async () => {
      await seed();
      // the legacy uploads on a volume of their own (ext4, with its lost+found), the legacy
      // certificates on a bind mount of a folder elsewhere, and an empty volume whose mount
      // point's name needs quoting in a shell
      const data = dataAt("legacy");
      const { uploads, mode: uploadsMode } = uploadsOnVolume();
      const letsencrypt = join(legacy(), "servers/infra/letsencrypt");
      const letsencryptVolume = join(aside, "letsencrypt-volume");
      const letsencryptMode = ontoVolume(letsencrypt, () => mountBind(letsencryptVolume, letsencrypt));
      const oddlyNamed = join(legacy(), "mnt/old disk's");
      mountBind(join(aside, "odd-volume"), oddlyNamed);
      const modes = { uploads: uploadsMode, letsencrypt: letsencryptMode };
      expect(dataAt("legacy")).toEqual({ ...data, uploads: withLostFound(data.uploads) });

      await migrateCheckRealReal("legacy data on volumes");
      // the data moved whole, the volumes emptied and still mounted, the lost+found in its own
      expect(dataAt("target")).toEqual(data);
      const emptied = {
        [uploads]: { mounted: true, mode: modes.uploads, files: withLostFound(new Map()) },
        [letsencrypt]: { mounted: true, mode: modes.letsencrypt, files: new Map() },
        [oddlyNamed]: { mounted: true, mode: "755", files: new Map() },
      };
      expect(volumes(uploads, letsencrypt, oddlyNamed)).toEqual(emptied);
      expect(readdirSync(letsencryptVolume)).toEqual([]);
      const { listing, archived } = backedUp("uploads");
      expect(listing).toContain("./ems/2024/scan.bin");
      expect(`${listing}${archived}`).not.toContain("lost+found");
      const reference = await referenceLayout(join(target(), "data/uploads/ems/2024/scan.bin"));
      expect(layout(root).target).toEqual(reference.target);
      const migrated = snapshot(target());

      // the cleanup: check = real, and a second one changes nothing
      const runs = await migrateCheckRealReal("cleanup around volumes", [
        "-e",
        "migrate_cleanup_legacy=true",
      ]);
      expect(runs.real.changed).toEqual(["sandbox | migrate : Legacy tree removed around its mount points"]);
      // what is left of the legacy tree: the mount points and the folders above them
      expect(snapshotTree(legacy())).toEqual({
        servers: { type: "dir", mode: "0755" },
        "servers/infra": { type: "dir", mode: "0755" },
        "servers/infra/letsencrypt": { type: "dir", mode: modes.letsencrypt.padStart(4, "0") },
        uploads: { type: "dir", mode: modes.uploads.padStart(4, "0") },
        "uploads/lost+found": { type: "dir", mode: "0700" },
        mnt: { type: "dir", mode: "0755" },
        "mnt/old disk's": { type: "dir", mode: "0755" },
      });
      expect(volumes(uploads, letsencrypt, oddlyNamed)).toEqual(emptied);
      expect(snapshot(target())).toEqual(migrated);
      // each run names them and says what to do (the check run what it would do), each path to
      // unmount quoted for a shell
      for (const [result, removed] of [
        [runs.check, "would be removed"],
        [runs.real, "is removed"],
        [runs.second, "is removed"],
      ] as const)
        expect(debugMessage(result.stdout, "migrate : Mount points left in the legacy tree")).toBe(
          `${legacy()} ${removed} except for the mount points in it and the folders above them: the ` +
            "cleanup never removes a mount point nor anything on it. " +
            `${oddlyNamed} is a mount point, empty: unmount it (umount '${legacy()}/mnt/old disk'"'"'s') and remove its /etc/fstab entry. ` +
            `${letsencrypt} is a mount point, empty: unmount it (umount ${letsencrypt}) and remove its /etc/fstab entry. ` +
            `${uploads} is a mount point, empty: unmount it (umount ${uploads}) and remove its /etc/fstab entry. ` +
            `Once each is unmounted and gone from /etc/fstab (or its mount unit), remove the rest: rm -r ${legacy()}`,
        );
    }, 180_000);

    it("a failure after the move emptied the volume, its new copy no longer as backed up: the rollback restores the uploads from the archive onto the volume, which stays mounted", async () => {
      await seed();
      const data = dataAt("legacy");
      const { uploads, mode } = uploadsOnVolume();
      const before = snapshot(legacy());
      const volumeBefore = volumes(uploads);
      expect(volumeBefore[uploads]).toMatchObject({ mounted: true, files: withLostFound(data.uploads) });

      // the new EMS stack keeps its uploads in a folder inside the uploads, which the configure
      // step makes: when the failure comes, the moved uploads no longer match the backup
      const moved = join(target(), "data/uploads");
      const failed = await run("inventory/sandbox", [
        "playbooks/migrate.yml",
        "-e",
        "migrate_fail_at=configure",
        "-e",
        `ems_uploads_host_path=${join(moved, "ems-app")}`,
      ]);
      expect(failed.code, failed.stdout).toBe(2);
      expect(failed.stdout).toContain("failed at step 'configure' and was rolled back");
      expect(taskOutput(failed.stdout, "migrate : Data back in the legacy layout")).toMatch(
        /^changed: \[sandbox\] => \(item=\[\{'name': 'uploads'/m,
      );
      // the uploads back on the volume, which is still mounted, with its mode and lost+found
      expect(snapshot(legacy())).toEqual(before);
      expect(volumes(uploads)).toEqual(volumeBefore);
      expect(readdirSync(legacy()).filter((name) => name.endsWith(".partial"))).toEqual([]);
      // restored from the archive, not moved back: the new copy is left as the failure left it
      expect(snapshot(moved).get("ems-app")).toMatch(/^dir /);

      // moved aside, the next run migrates
      rmSync(moved, { recursive: true });
      expectSuccess(await run("inventory/sandbox", ["playbooks/migrate.yml"]));
      expect(dataAt("target")).toEqual(data);
      expect(volumes(uploads)).toEqual({
        [uploads]: { mounted: true, mode, files: withLostFound(new Map()) },
      });
    }, 180_000);

    it.each([
      [
        "a volume holding nothing but its lost+found (what the move leaves)",
        () => {
          const { uploads } = uploadsOnVolume();
          for (const name of readdirSync(uploads))
            if (name !== "lost+found") rmSync(join(uploads, name), { recursive: true });
        },
        (uploads: string) =>
          `${uploads} (uploads) is missing: it is a mount point holding nothing (a move empties one, it cannot remove it).`,
      ],
      [
        "part of them, the mark of a cut-off removal beside them",
        () => {
          rmSync(join(legacy(), "uploads/ems"), { recursive: true });
          writeFileSync(join(legacy(), ".uploads.partial"), "");
        },
        (uploads: string) =>
          `${uploads} (uploads) is not whole: ${legacy()}/.uploads.partial beside it says that a removal or ` +
          "restore of it was cut off.",
      ],
    ])(
      "refuses legacy uploads that are %s as missing, before any change, check and real alike",
      async (_what, leave, says) => {
        await seed();
        leave();
        const uploads = join(legacy(), "uploads");
        const before = snapshot(root);

        for (const refusal of await itemRefusals("Each required source is there"))
          expect(refusal).toBe(
            `${says(uploads)} Nothing was changed. If a migration moved it away, its backup is in ` +
              `${target()}/data/backups (uploads.tar.gz): restore it from there and run again.`,
          );
        expect(snapshot(root)).toEqual(before);
      },
      120_000,
    );
  },
);

const sshSkip = sshdSkipReason() ?? fullDiskSkip;

describe.skipIf(sshSkip)(
  `a connection killed in the middle of the move${sshSkip ? ` (skipped: ${sshSkip})` : ""}`,
  () => {
    let sshd: Sshd;
    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    /** inventory/sandbox's variables, its host reached over the test sshd as root. */
    function sshInventory(): string {
      const dir = join(aside, "inventory");
      mkdirSync(join(dir, "group_vars"), { recursive: true });
      const host = rootOverSsh(sshd);
      writeFileSync(join(dir, "hosts.yml"), JSON.stringify({ ems: { hosts: { sandbox: host } } }));
      const vars = readFileSync(join(ROOT, "inventory/sandbox/group_vars/all.yml"), "utf8");
      writeFileSync(join(dir, "group_vars/all.yml"), vars);
      return dir;
    }

    it("leaves the host UNREACHABLE with every byte in the old or the new place; a re-run finishes the migration", async () => {
      const inventory = sshInventory();
      await seed();
      const data = dataAt("legacy");
      // the data tree on its own file system (a block volume on a VPS): moving is copying, the
      // slow and non-atomic kind of move
      mountTmpfs(join(target(), "data"), "64m");

      // each moved item is followed by a pause: the connection dies after the uploads moved and
      // before the certificates do
      const interrupted = run(inventory, ["playbooks/migrate.yml", "-e", "migrate_move_pause=15"]);
      const moved = join(target(), "data/uploads");
      const deadline = Date.now() + 90_000;
      while (!exists(moved) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(exists(moved), "the move began").toBe(true);
      expect(sshd.killSessions()).toBeGreaterThan(0);
      const lost = await interrupted;
      expect(lost.code, lost.stdout).toBe(4);
      expect(lost.stdout).toMatch(/UNREACHABLE/);
      expect(lost.stdout).toContain("TASK [migrate : Data moved into the new tree]");

      // every byte is in one place or the other, and the journal says which move was under way
      expect(snapshot(join(target(), "data/uploads"))).toEqual(data.uploads);
      expect(snapshot(join(legacy(), "servers/infra/letsencrypt"))).toEqual(data.letsencrypt);
      expect(snapshot(join(legacy(), "logs"))).toEqual(data.logs);
      expect(() => lstatSync(join(legacy(), "uploads"))).toThrow();
      expect(readdirSync(join(target(), "data")).sort()).toEqual(["backups", "uploads"]);
      expect(readFileSync(join(target(), ".migration/moving"), "utf8")).toMatch(/data\/backups\/migration-/);
      expect(() => lstatSync(join(target(), ".migration/done"))).toThrow();
      // a reboot while the copy's source was being removed would have left part of it: the
      // re-run must take the verified copy over the leftover
      mkdirSync(join(legacy(), "uploads/sms"), { recursive: true });
      cpSync(join(target(), "data/uploads/sms/.hidden"), join(legacy(), "uploads/sms/.hidden"));

      const resumed = await run(inventory, ["playbooks/migrate.yml"]);
      expectSuccess(resumed);
      expect(resumed.stdout).toContain(
        "TASK [migrate : Data of the interrupted move back in the legacy layout",
      );
      expect(dataAt("target")).toEqual(data);
      expect(readdirSync(join(target(), ".migration"))).toEqual(["done"]);
      const again = await run(inventory, ["playbooks/migrate.yml"]);
      expectSuccess(again);
      expect(again.stdout).toContain("the migration already happened");

      // the same result as a migration nobody interrupted
      expect(layout(root)).toEqual(await referenceLayout(join(target(), "data/uploads/ems/2024/scan.bin")));
    }, 180_000);

    it.each([
      ["", false],
      [", each holding a new volume's empty lost+found", true],
    ])(
      "resumes with volumes mounted at the destinations%s: the moved uploads come back out of theirs, a cut-off fill is redone",
      async (_beside, lostFound) => {
        const inventory = sshInventory();
        await seed();
        const data = dataAt("legacy");
        const uploads = join(target(), "data/uploads");
        const letsencrypt = join(target(), "data/letsencrypt");
        mountTmpfs(uploads, "16m", "0700");
        mountTmpfs(letsencrypt, "16m", "0711");
        // a lost+found stays in its volume, never moved or copied: what it holds is the data beside it
        if (lostFound) for (const volume of [uploads, letsencrypt]) addLostFound(volume);
        const onVolume = lostFound ? withLostFound : (files: Map<string, string>) => files;
        const volumesBefore = volumes(uploads, letsencrypt);

        const interrupted = run(inventory, ["playbooks/migrate.yml", "-e", "migrate_move_pause=15"]);
        const scan = join(uploads, "ems/2024/scan.bin");
        const deadline = Date.now() + 90_000;
        while (!exists(scan) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        // the uploads' fill is verified and their source removed before the pause
        while (exists(join(legacy(), "uploads")) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        expect(sshd.killSessions()).toBeGreaterThan(0);
        const lost = await interrupted;
        expect(lost.code, lost.stdout).toBe(4);
        expect(snapshot(uploads)).toEqual(onVolume(data.uploads));
        expect(isMountPoint(uploads)).toBe(true);
        expect(readFileSync(join(target(), ".migration/moving"), "utf8")).toMatch(
          /data\/backups\/migration-/,
        );
        // what a reboot in the middle of filling the certificates' volume leaves: part of the copy
        // in the volume, and the mark beside it
        writeFileSync(join(letsencrypt, "acme.json"), '{"letsencrypt": {"Acc');
        writeFileSync(join(target(), "data/.letsencrypt.partial"), "");

        const resumed = await run(inventory, ["playbooks/migrate.yml"]);
        expectSuccess(resumed);
        expect(
          taskOutput(
            resumed.stdout,
            "migrate : Data of the interrupted move back in the legacy layout (checked against its backup)",
          ),
        ).toMatch(/^changed: \[sandbox\] => \(item=uploads: /m);
        expect(dataAt("target")).toEqual({
          ...data,
          uploads: onVolume(data.uploads),
          letsencrypt: onVolume(data.letsencrypt),
        });
        expect(volumes(uploads, letsencrypt)).toEqual({
          [uploads]: { mounted: true, mode: "775", files: onVolume(data.uploads) },
          [letsencrypt]: { mounted: true, mode: "700", files: onVolume(data.letsencrypt) },
        });
        expect(volumesBefore[letsencrypt]).toEqual({
          mounted: true,
          mode: "711",
          files: onVolume(new Map()),
        });
        expect(readdirSync(join(target(), "data")).sort()).toEqual(["backups", "letsencrypt", "uploads"]);
        const again = await run(inventory, ["playbooks/migrate.yml"]);
        expectSuccess(again);
        expect(again.stdout).toContain("the migration already happened");
        const reference = await referenceLayout(scan);
        const lostFounds = lostFound
          ? {
              "data/uploads/lost+found": { type: "dir", mode: "0700" },
              "data/letsencrypt/lost+found": { type: "dir", mode: "0700" },
            }
          : {};
        expect(layout(root)).toEqual({
          ...reference,
          target: { ...(reference.target as object), ...lostFounds },
        });
      },
      180_000,
    );
  },
);

/** What a task printed, from its TASK line to the next one. */
function taskOutput(stdout: string, label: string): string {
  const start = stdout.indexOf(`TASK [${label}]`);
  if (start < 0) return "";
  const next = stdout.indexOf("\nTASK [", start + 1);
  return stdout.slice(start, next < 0 ? undefined : next);
}

/** The message a debug task printed. */
function debugMessage(stdout: string, label: string): string {
  const shown = /^ok: \[sandbox\] => (\{[\s\S]*?^\})$/m.exec(taskOutput(stdout, label));
  return shown ? (JSON.parse(shown[1]!) as { msg: string }).msg : "";
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
