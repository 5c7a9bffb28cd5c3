import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { LockHolder } from "../../src/engine/run-lock.js";
import { type CliResult, type RunningCli, recapLines, startTsible, tsible } from "../helpers/cli.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";

/**
 * The per-host run lock with real parts: two tsible processes against one sshd (and the local
 * connection), a holder killed with SIGKILL, `tsible lock status` and `tsible lock release`.
 */
const skip = sshdSkipReason();
const USER = TEST_USERS.nosudo;
let sshd: Sshd;
let work: string;
/** web1 uses the default lock: ~/.tsible/run.lock of its login user. */
let web1Lock: string;
const web2Lock = () => join(work, "locks/web2.lock");
const localLock = () => join(work, "locks/local.lock");
const out = (name: string) => join(work, "out", name);

const SLOW = `- hosts: all
  gather_facts: false
  tasks:
    - name: hold
      shell: "for i in $(seq {{ ticks }}); do [ -e {{ gate }} ] && break; sleep 0.1; done"
    - copy: { content: "first\\n", dest: "{{ out_dir }}/{{ inventory_hostname }}-first.txt" }
`;
const WRITE = `- hosts: all
  gather_facts: false
  tasks:
    - name: write
      copy: { content: "second\\n", dest: "{{ out_dir }}/{{ inventory_hostname }}-second.txt" }
`;
const FAIL = `- hosts: all
  gather_facts: false
  tasks:
    - command: "false"
`;

function sshHost(name: string, user: string, port: number, extra: string): string {
  return (
    `${name} ansible_host=${sshd.host} ansible_port=${port} ansible_user=${user} ` +
    `ansible_ssh_private_key_file=${sshd.clientKey} ` +
    `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}' ${extra}\n`
  );
}

/** tsible in the work folder, with the lock path of the inventory (TSIBLE_LOCK_DIR unset). */
function run(...args: string[]): Promise<CliResult> {
  return tsible(args, { cwd: work, env: { TSIBLE_LOCK_DIR: "" } });
}

/** The same, started in the background. */
function start(...args: string[]): RunningCli {
  return startTsible(args, { cwd: work, env: { TSIBLE_LOCK_DIR: "" } });
}

function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let gates = 0;

/**
 * Starts `slow.yml` on `limit` and resolves once it holds the lock at `lock`. The holder runs
 * until `finish()` (60 s at most): the test, not a clock, decides when it ends.
 */
async function holdLock(
  limit: string,
  lock: string,
): Promise<{ holder: LockHolder; cli: RunningCli; done: Promise<CliResult>; finish: () => void }> {
  const gate = join(work, `gate-${++gates}`);
  const cli = start("run", "slow.yml", "-i", "inv.ini", "--limit", limit, "-e", `gate=${gate} ticks=600`);
  await until(`the lock ${lock}`, () => existsSync(join(lock, "holder.json")));
  const holder = JSON.parse(readFileSync(join(lock, "holder.json"), "utf8")) as LockHolder;
  return { holder, cli, done: cli.done, finish: () => writeFileSync(gate, "") };
}

function since(holder: LockHolder): string {
  return `${holder.started.replace("T", " ").slice(0, 19)} UTC`;
}

function recapOf(stdout: string, host: string): string {
  return recapLines(stdout).find((l) => l.startsWith(`${host} `)) ?? "";
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen({ host: "127.0.0.1", port: 0 }, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(skip)("the per-host run lock", () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), "tsible-runlock-"));
    chmodSync(work, 0o755);
    const home = execFileSync("sh", ["-c", `getent passwd ${USER} | cut -d: -f6`])
      .toString()
      .trim();
    web1Lock = join(home, ".tsible/run.lock");
    // a lock left by an earlier, killed test run of this file
    rmSync(web1Lock, { recursive: true, force: true });
    mkdirSync(join(work, "out/web1"), { recursive: true });
    mkdirSync(join(work, "out/web2"));
    mkdirSync(join(work, "out/local"));
    chownSync(join(work, "out/web1"), uid(USER), uid(USER));
    writeFileSync(
      join(work, "inv.ini"),
      sshHost("web1", USER, sshd.port, `out_dir=${out("web1")}`) +
        sshHost("web2", "root", sshd.port, `out_dir=${out("web2")} tsible_lock_dir=${web2Lock()}`) +
        `local ansible_connection=local out_dir=${out("local")} tsible_lock_dir=${localLock()}\n`,
    );
    const down = await closedPort();
    writeFileSync(
      join(work, "down.ini"),
      sshHost(
        "down",
        "root",
        down,
        `out_dir=${out("web2")} tsible_lock_dir=${join(work, "locks/down.lock")}`,
      ) + sshHost("web2", "root", sshd.port, `out_dir=${out("web2")} tsible_lock_dir=${web2Lock()}`),
    );
    writeFileSync(join(work, "slow.yml"), SLOW);
    writeFileSync(join(work, "write.yml"), WRITE);
    writeFileSync(join(work, "fail.yml"), FAIL);
  });
  afterAll(async () => {
    await sshd?.stop();
    if (web1Lock) rmSync(web1Lock, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("a second run fails on the locked host, naming the holder, and changes nothing there; other hosts run", async () => {
    const first = await holdLock("web1", web1Lock);
    const { holder } = first;
    // the lock: a 0700 folder in the login user's home, with who, what and since when
    expect(statSync(web1Lock).mode & 0o777).toBe(0o700);
    expect(statSync(join(web1Lock, "..")).mode & 0o777).toBe(0o700);
    expect(statSync(web1Lock).uid).toBe(uid(USER));
    expect(holder).toMatchObject({ host: hostname(), user: userInfo().username, playbook: "slow.yml" });
    expect(holder.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    expect(holder.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(holder.run_id).toMatch(/^[0-9a-f-]{36}$/);

    const [second, status, release, check] = await Promise.all([
      run("run", "write.yml", "-i", "inv.ini", "--limit", "web1,web2"),
      run("lock", "status", "-i", "inv.ini"),
      run("lock", "release", "-i", "inv.ini", "--limit", "web1"),
      run("run", "write.yml", "-i", "inv.ini", "--limit", "web1,web2", "--check"),
    ]);
    expect(second.code, second.stdout + second.stderr).toBe(2);
    const who = `${holder.user}@${holder.host} (pid ${holder.pid}, slow.yml) since ${since(holder)}`;
    expect(second.stdout).toContain(`host web1 is locked by ${who}, last heartbeat `);
    expect(second.stdout).toContain("to wait for it: --lock-wait 600");
    expect(second.stdout).toContain("if that run is gone: tsible lock release -i inv.ini --limit web1");
    expect(recapOf(second.stdout, "web1")).toMatch(/unreachable=0 +failed=1/);
    expect(recapOf(second.stdout, "web2")).toMatch(/changed=1 +unreachable=0 +failed=0/);
    expect(existsSync(out("web1/web1-second.txt"))).toBe(false);
    expect(readFileSync(out("web2/web2-second.txt"), "utf8")).toBe("second\n");
    expect(existsSync(web2Lock()), "web2's lock is released").toBe(false);

    // status and release see the live holder; release leaves it alone without --force
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`web1   locked by ${who}, last heartbeat `);
    // (web2 may be locked by the second run at that moment)
    expect(status.stdout).toMatch(/^local +free$/m);
    expect(release.code).toBe(2);
    expect(release.stdout).toContain(`web1  NOT released: locked by ${who}`);
    expect(release.stdout).toContain("add --force");
    expect(JSON.parse(readFileSync(join(web1Lock, "holder.json"), "utf8")).run_id).toBe(holder.run_id);

    // check mode writes no lock, but says that a live run holds one
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stderr).toContain(`[WARNING]: host web1 is locked by ${who}`);
    expect(check.stderr).toContain("predictions may be out of date");

    first.finish();
    const firstResult = await first.done;
    expect(firstResult.code, firstResult.stdout + firstResult.stderr).toBe(0);
    expect(existsSync(web1Lock), "released after a normal run").toBe(false);
    expect(existsSync(join(web1Lock, ".."))).toBe(true);
  });

  test("--lock-wait waits for the holder to finish, then runs", async () => {
    const first = await holdLock("web1", web1Lock);
    const waiting = start("run", "write.yml", "-i", "inv.ini", "--limit", "web1", "--lock-wait", "30");
    await waiting.waitFor(/\[WARNING\]: host web1 is locked by .*: waiting up to 30 s \(--lock-wait\)/);
    first.finish();
    const [firstResult, second] = await Promise.all([first.done, waiting.done]);
    expect(firstResult.code).toBe(0);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/TASK \[write\] \*+\nchanged: \[web1\]/);
    // it wrote after the holder did: the holder's file was there first
    expect(statSync(out("web1/web1-second.txt")).mtimeMs).toBeGreaterThanOrEqual(
      statSync(out("web1/web1-first.txt")).mtimeMs,
    );
    expect(existsSync(web1Lock)).toBe(false);
  });

  test("a holder killed with SIGKILL leaves a STALE lock: reported, listed, released, then the run succeeds", async () => {
    const first = await holdLock("local", localLock());
    process.kill(first.holder.pid, "SIGKILL");
    await first.done;
    first.finish(); // its orphaned command ends too
    expect(existsSync(localLock())).toBe(true);

    const blocked = await run("run", "write.yml", "-i", "inv.ini", "--limit", "local");
    expect(blocked.code).toBe(2);
    expect(blocked.stdout).toContain(
      `host local has a STALE run lock from ${first.holder.user}@${first.holder.host} (pid ${first.holder.pid}, slow.yml)`,
    );
    expect(blocked.stdout).toContain(`(process ${first.holder.pid} on ${hostname()} is gone)`);
    expect(blocked.stdout).toContain("release it: tsible lock release -i inv.ini --limit local");
    expect(existsSync(out("local/local-second.txt"))).toBe(false);

    const status = await run("lock", "status", "-i", "inv.ini", "--limit", "local");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^local +STALE: lock of .*\(process \d+ on .* is gone\)$/m);
    const release = await run("lock", "release", "-i", "inv.ini", "--limit", "local");
    expect(release.code, release.stdout + release.stderr).toBe(0);
    expect(release.stdout).toContain("local  released the STALE lock of ");
    expect(existsSync(localLock())).toBe(false);

    const again = await run("run", "write.yml", "-i", "inv.ini", "--limit", "local");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(out("local/local-second.txt"), "utf8")).toBe("second\n");
    expect(existsSync(localLock())).toBe(false);
  });

  test("a lock from another controller is stale once its heartbeat is old; a fresh one needs --force", async () => {
    const holder = {
      host: "elsewhere",
      user: "alice",
      pid: 4242,
      playbook: "playbooks/migrate.yml",
      started: "2026-12-04T22:10:03.000Z",
      version: "0.1.0",
      run_id: "3b8e4d6c-0000-4000-8000-000000000001",
    };
    mkdirSync(web2Lock(), { recursive: true, mode: 0o700 });
    writeFileSync(join(web2Lock(), "holder.json"), JSON.stringify(holder));
    writeFileSync(join(web2Lock(), "heartbeat"), "");
    const who = "alice@elsewhere (pid 4242, playbooks/migrate.yml) since 2026-12-04 22:10:03 UTC";

    const live = await run("run", "write.yml", "-i", "inv.ini", "--limit", "web2");
    expect(live.code).toBe(2);
    expect(live.stdout).toContain(`host web2 is locked by ${who}, last heartbeat`);
    const refused = await run("lock", "release", "-i", "inv.ini", "--limit", "web2");
    expect(refused.code).toBe(2);
    expect(existsSync(web2Lock())).toBe(true);

    execFileSync("touch", ["-d", "10 minutes ago", join(web2Lock(), "heartbeat")]);
    const status = await run("lock", "status", "-i", "inv.ini", "--limit", "web2");
    expect(status.stdout).toContain(
      `web2  STALE: lock of ${who}, last heartbeat 10 min ago (no heartbeat for 10 min)`,
    );

    execFileSync("touch", [join(web2Lock(), "heartbeat")]);
    const forced = await run("lock", "release", "-i", "inv.ini", "--limit", "web2", "--force");
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`web2  released the live (--force) lock of ${who}`);
    expect(existsSync(web2Lock())).toBe(false);
  });

  test("the lock is released after a failed run, an unreachable host and a connection lost mid-run", async () => {
    const failed = await run("run", "fail.yml", "-i", "inv.ini", "--limit", "web1,local");
    expect(failed.code).toBe(2);
    expect(recapOf(failed.stdout, "web1")).toMatch(/failed=1/);
    expect(existsSync(web1Lock)).toBe(false);
    expect(existsSync(localLock())).toBe(false);

    const down = await run("run", "write.yml", "-i", "down.ini");
    expect(down.code).toBe(4);
    expect(recapOf(down.stdout, "down")).toMatch(/unreachable=1/);
    expect(recapOf(down.stdout, "web2")).toMatch(/ok=1 /);
    expect(existsSync(web2Lock())).toBe(false);

    // the sshd session dies while the holder runs: web1 is unreachable, the lock still goes
    const first = await holdLock("web1", web1Lock);
    expect(sshd.killSessions()).toBeGreaterThan(0);
    const lost = await first.done;
    first.finish();
    expect(lost.code, lost.stdout + lost.stderr).toBe(4);
    expect(recapOf(lost.stdout, "web1")).toMatch(/unreachable=1/);
    expect(existsSync(web1Lock)).toBe(false);
  });

  test("--check and --no-lock take no lock; --no-lock ignores one that is held", async () => {
    const elsewhere = join(work, "check-locks/local.lock");
    const check = await run(
      "run",
      "write.yml",
      "-i",
      "inv.ini",
      "-l",
      "local",
      "-C",
      "-e",
      `tsible_lock_dir=${elsewhere}`,
    );
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/TASK \[write\] \*+\nok: \[local\]/);
    expect(existsSync(join(work, "check-locks")), "not even the lock's parent folder").toBe(false);

    const first = await holdLock("local", localLock());
    const res = await run("run", "write.yml", "-i", "inv.ini", "--limit", "local", "--no-lock");
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(localLock(), "holder.json"), "utf8")).run_id).toBe(
      first.holder.run_id,
    );
    first.finish();
    expect((await first.done).code).toBe(0);
    expect(existsSync(localLock())).toBe(false);
  });

  test("Ctrl-C: a waiting run stops waiting; the holder finishes its task and releases the lock", async () => {
    const first = await holdLock("local", localLock());
    const waiting = start("run", "write.yml", "-i", "inv.ini", "--limit", "local", "--lock-wait", "60");
    await waiting.waitFor("waiting up to 60 s");
    waiting.signal("SIGINT");
    const stopped = await waiting.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(99);
    expect(stopped.stdout).toContain("interrupted while waiting for the run lock of local");

    first.cli.signal("SIGINT");
    await first.cli.waitFor("interrupted: no new task starts");
    first.finish();
    const res = await first.done;
    expect(res.code, res.stdout + res.stderr).toBe(99);
    expect(res.stdout).not.toContain("TASK [copy]");
    expect(existsSync(localLock()), "released after Ctrl-C").toBe(false);
  });
});
