/**
 * Small tmpfs mounts for the disk-fault tests: one filled up to a few KiB, one out of inodes, one
 * remounted read-only. Mounting needs root; under CI a missing part fails instead of skipping.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { recapLines } from "./cli.js";

/** Why tmpfs mounts cannot be made here, or undefined. Under CI a missing part is an error, not a skip. */
export function tmpfsSkipReason(): string | undefined {
  let reason: string | undefined;
  if (process.getuid?.() !== 0) reason = "mounting a tmpfs needs root";
  else if (!existsSync("/usr/bin/mount") && !existsSync("/bin/mount")) reason = "mount is not installed";
  if (reason && process.env.CI) throw new Error(`CI must run the disk-fault tests: ${reason}`);
  return reason;
}

export interface Tmpfs {
  dir: string;
  /** Free bytes an unprivileged user could write now. */
  free(): number;
  /** Leaves about `roomKiB` KiB free with one big file (`.filler`); returns that file's path. */
  fillBlocks(roomKiB: number): string;
  /** Uses every free inode with empty files under `.inodes/`. */
  fillInodes(): void;
  /** Removes what fillBlocks / fillInodes made. */
  unfill(): void;
  remount(mode: "ro" | "rw"): void;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeKiB` KiB (and at most `inodes` inodes) at `dir`, created when missing. */
export function mountTmpfs(dir: string, opts: { sizeKiB: number; inodes?: number }): Tmpfs {
  mkdirSync(dir, { recursive: true });
  const options = [
    `size=${opts.sizeKiB}k`,
    "mode=0755",
    ...(opts.inodes ? [`nr_inodes=${opts.inodes}`] : []),
  ];
  execFileSync("mount", ["-t", "tmpfs", "-o", options.join(","), "tmpfs", dir]);
  const filler = join(dir, ".filler");
  const inodes = join(dir, ".inodes");
  return {
    dir,
    free() {
      const st = statfsSync(dir);
      return st.bavail * st.bsize;
    },
    fillBlocks(roomKiB) {
      const size = this.free() - roomKiB * 1024;
      if (size > 0) execFileSync("fallocate", ["-l", String(size), filler]);
      return filler;
    },
    fillInodes() {
      mkdirSync(inodes, { recursive: true });
      // each name costs one inode; stop at the first ENOSPC
      execFileSync("sh", [
        "-c",
        'i=0; while touch -- "$1/$i" 2>/dev/null; do i=$((i+1)); done',
        "sh",
        inodes,
      ]);
    },
    unfill() {
      rmSync(filler, { force: true });
      rmSync(inodes, { recursive: true, force: true });
    },
    remount(mode) {
      execFileSync("mount", ["-o", `remount,${mode}`, dir]);
    },
    unmount() {
      try {
        execFileSync("umount", [dir], { stdio: "ignore" });
      } catch {
        // something still holds it (a test that failed mid-way): detach it lazily
        execFileSync("umount", ["-l", dir], { stdio: "ignore" });
      }
    },
  };
}

/**
 * What a user would compare after a failed write: every name in `dir` (temp files included) with its
 * type, mode, owner and a hash of its content. `skip` leaves out the fillers.
 */
export function dirState(dir: string, skip: string[] = [".filler", ".inodes"]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, rel: string) => {
    for (const name of readdirSync(path).sort()) {
      if (rel === "" && skip.includes(name)) continue;
      const full = join(path, name);
      const key = rel ? `${rel}/${name}` : name;
      const st = lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      if (st.isDirectory()) {
        out[key] = `dir ${mode} ${st.uid}`;
        walk(full, key);
      } else if (st.isFile()) {
        const sha = createHash("sha1").update(readFileSync(full)).digest("hex");
        out[key] = `file ${mode} ${st.uid} ${st.size} ${sha}`;
      } else {
        out[key] = `other ${mode} ${st.uid}`;
      }
    }
  };
  walk(dir, "");
  return out;
}

/**
 * This machine four times over, once per way tsible writes a file: node:fs (`local`), SFTP as root,
 * SFTP as a plain user, and the POSIX shell under become (sudo). A disk fault must look the same
 * through all of them.
 */
export const DISK_HOSTS = ["local", "sftp-root", "sftp-user", "shell-become"] as const;
export type DiskHost = (typeof DISK_HOSTS)[number];

/** The uid of a local user (the test users of the sshd harness). */
export function uidOf(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

/**
 * Writes the inventory of DISK_HOSTS into `work`: `sshd` with `root` and `user` (who may sudo without
 * a password). Each host gets its own run lock folder under `work`, since all four are one machine.
 */
export function diskHostsInventory(
  work: string,
  sshd: { host: string; port: number; clientKey: string; knownHosts: string },
  user: string,
): string {
  const locks = join(work, "locks");
  mkdirSync(locks, { recursive: true });
  chmodSync(locks, 0o1777);
  const ssh = (login: string) =>
    `ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${login} ` +
    `ansible_ssh_private_key_file=${sshd.clientKey} ` +
    `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}'`;
  const vars: Record<DiskHost, string> = {
    local: "ansible_connection=local",
    "sftp-root": ssh("root"),
    "sftp-user": ssh(user),
    "shell-become": `${ssh(user)} ansible_become=true`,
  };
  const file = join(work, "hosts.ini");
  const lines = DISK_HOSTS.map((h) => `${h} ${vars[h]} tsible_lock_dir=${join(locks, h)}`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const OLD_TIME = new Date("2020-01-01T00:00:00Z");

/** A folder per host on `mount`, owned by the user that host writes as, holding `files`. */
export function seedHostDirs(
  mount: Tmpfs,
  user: string,
  files: Record<string, { content: string | Buffer; mode: number }>,
): void {
  for (const host of DISK_HOSTS) {
    const dir = join(mount.dir, host);
    mkdirSync(dir, { mode: 0o755 });
    const uid = host === "sftp-user" ? uidOf(user) : 0;
    for (const [name, f] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.content, { mode: f.mode });
      chmodSync(path, f.mode);
      utimesSync(path, OLD_TIME, OLD_TIME); // older than any source: rsync's quick check sees a change
    }
    execFileSync("chown", ["-R", `${uid}:${uid}`, dir]);
  }
}

/** Each host's folder on `mount`, as dirState lists it. */
export function hostStates(mount: Tmpfs): Record<DiskHost, Record<string, string>> {
  return Object.fromEntries(DISK_HOSTS.map((h) => [h, dirState(join(mount.dir, h))])) as Record<
    DiskHost,
    Record<string, string>
  >;
}

/**
 * What a user sees of a task that failed on every host: exit code 2, failed=1 for each host in the
 * recap, and a `fatal:` line per host naming `path(host)` and carrying the host's error.
 */
export function expectFailedOnEveryHost(
  res: { code: number; stdout: string; stderr: string },
  path: (host: DiskHost) => string,
  hostError: RegExp,
  hosts: readonly DiskHost[] = DISK_HOSTS,
): void {
  const out = res.stdout + res.stderr;
  expect(res.code, out).toBe(2);
  for (const host of hosts) {
    expect(
      recapLines(res.stdout).find((l) => l.startsWith(`${host} `)),
      out,
    ).toMatch(/ok=0\s+changed=0\s+unreachable=0\s+failed=1/);
    const fatal = res.stdout.split("\n").find((l) => l.startsWith(`fatal: [${host}]: FAILED!`)) ?? "";
    expect(fatal, out).toContain(path(host));
    expect(fatal, out).toMatch(hostError);
  }
}
