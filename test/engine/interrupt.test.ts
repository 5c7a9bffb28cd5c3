/**
 * Ctrl-C and SIGTERM during a run, as an operator meets them: the first stops new tasks and lets
 * running ones finish within the grace period, the second stops them at once; the recap is printed,
 * the exit code is 99, no command is left running and no half-written file remains.
 */

import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recapLines, startTsible, taskStatuses } from "../helpers/cli.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "tsible-interrupt-"));
  chmodSync(work, 0o1777);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function playbook(name: string, tasks: string): string {
  const path = join(work, `${name}.yml`);
  writeFileSync(path, `- hosts: all\n  gather_facts: false\n  tasks:\n${tasks}`);
  return path;
}

const LOCAL_INVENTORY = "localhost ansible_connection=local\n";

function inventoryFile(name: string, text: string): string {
  const path = join(work, `${name}.ini`);
  writeFileSync(path, text);
  return path;
}

/** Waits until `path` exists: the command has really started on the host. */
async function started(path: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(path)).toBe(true);
}

/** Starts tsible, sends `signal` once the command has really started, and returns the run: exit 99. */
async function interruptOnceStarted(args: string[], startedFile: string, signal: NodeJS.Signals = "SIGINT") {
  const run = startTsible(args);
  await started(startedFile);
  run.signal(signal);
  const res = await run.done;
  expect(res.code).toBe(99);
  return res;
}

/** Processes whose command line contains `text` (the test's unique sleep), as pgrep sees them. */
function running(text: string): string {
  try {
    return execFileSync("pgrep", ["-af", text]).toString();
  } catch {
    return "";
  }
}

async function gone(text: string): Promise<string> {
  for (let i = 0; i < 40 && running(text); i++) await new Promise((r) => setTimeout(r, 100));
  return running(text);
}

describe("interrupting a local run", () => {
  const inventory = () => inventoryFile("local", LOCAL_INVENTORY);

  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s once: the running task finishes, the next does not start, recap and exit 99",
    async (signal) => {
      const mark = join(work, `once-${signal}`);
      const pb = playbook(
        `once-${signal}`,
        `    - name: slow\n      shell: touch ${mark}.started; sleep 1.5; touch ${mark}.finished\n` +
          `    - name: next\n      file: path=${mark}.next state=touch\n`,
      );
      const res = await interruptOnceStarted(["run", pb, "-i", inventory()], `${mark}.started`, signal);
      expect(existsSync(`${mark}.finished`)).toBe(true);
      expect(existsSync(`${mark}.next`)).toBe(false);
      expect(taskStatuses(res.stdout)).toEqual([{ task: "slow", statuses: ["changed"] }]);
      expect(recapLines(res.stdout)).toEqual([expect.stringMatching(/^localhost\s+: ok=1\s+changed=1\s/)]);
      expect(res.stderr).toContain("no new task starts; running tasks have 30 s to finish");
      expect(res.stderr).toContain("User interrupted execution");
    },
  );

  it("a handler notified before the interrupt does not start", async () => {
    const mark = join(work, "handler");
    const pb = playbook(
      "handler",
      `    - name: changes\n      shell: touch ${mark}.started; sleep 1.5\n      notify: react\n` +
        `  handlers:\n    - name: react\n      file: path=${mark}.handled state=touch\n`,
    );
    const res = await interruptOnceStarted(["run", pb, "-i", inventory()], `${mark}.started`);
    expect(taskStatuses(res.stdout)).toEqual([{ task: "changes", statuses: ["changed"] }]);
    expect(existsSync(`${mark}.handled`)).toBe(false);
  });

  it("stops a running command when the grace period ends, with everything it started", async () => {
    const mark = join(work, "grace");
    const pb = playbook(
      "grace",
      `    - name: slow\n      shell: touch ${mark}.started; sleep 37.25 & sleep 37.25; touch ${mark}.finished\n`,
    );
    const res = await interruptOnceStarted(
      ["run", pb, "-i", inventory(), "--grace-period", "1"],
      `${mark}.started`,
    );
    expect(res.ms).toBeLessThan(15_000);
    expect(res.stderr).toContain("grace period over");
    expect(res.stdout).toMatch(/fatal: \[localhost\]: FAILED! .*the 1 s grace period ended/);
    expect(recapLines(res.stdout)).toEqual([expect.stringMatching(/failed=1/)]);
    expect(existsSync(`${mark}.finished`)).toBe(false);
    expect(await gone("sleep 37.25")).toBe("");
  });

  it("a second Ctrl-C stops the running command at once", async () => {
    const mark = join(work, "twice");
    const pb = playbook("twice", `    - name: slow\n      shell: touch ${mark}.started; sleep 38.5\n`);
    const run = startTsible(["run", pb, "-i", inventory()]);
    await started(`${mark}.started`);
    run.signal("SIGINT");
    await run.waitFor("no new task starts");
    run.signal("SIGINT");
    const res = await run.done;
    expect(res.code).toBe(99);
    expect(res.ms).toBeLessThan(15_000);
    expect(res.stderr).toContain("stopping the running commands now");
    expect(recapLines(res.stdout)).toHaveLength(1);
    expect(await gone("sleep 38.5")).toBe("");
  });

  it("a loop stops between items; a retry wait is cut short", async () => {
    const mark = join(work, "loop");
    const pb = playbook(
      "loop",
      `    - name: items\n      shell: touch ${mark}.{{ item }}; sleep 0.6\n      loop: [1, 2, 3, 4, 5, 6]\n`,
    );
    const res = await interruptOnceStarted(["run", pb, "-i", inventory()], `${mark}.1`);
    const done = [1, 2, 3, 4, 5, 6].filter((i) => existsSync(`${mark}.${i}`));
    expect(done.length).toBeLessThan(4);
    expect(res.stdout).toContain(`interrupted after ${done.length} of 6 items`);

    const retry = playbook(
      "retry",
      `    - name: waits\n      shell: touch ${mark}.retry; false\n      register: r\n      until: r.rc == 0\n      retries: 5\n      delay: 20\n`,
    );
    const res2 = await interruptOnceStarted(["run", retry, "-i", inventory()], `${mark}.retry`);
    expect(res2.ms).toBeLessThan(15_000);
    expect(res2.stdout).toContain("interrupted while waiting to retry");
  });

  it("a third Ctrl-C exits at once", async () => {
    const mark = join(work, "thrice");
    const pb = playbook("thrice", `    - name: slow\n      shell: touch ${mark}.started; sleep 39.75\n`);
    // the hard exit abandons the run lock too: a later run would rightly find it stale
    const run = startTsible(["run", pb, "-i", inventory(), "--no-lock"]);
    await started(`${mark}.started`);
    run.signal("SIGINT");
    await run.waitFor("no new task starts");
    run.signal("SIGINT");
    await run.waitFor("stopping the running commands now");
    run.signal("SIGINT");
    const res = await run.done;
    expect(res.code).toBe(99);
    expect(res.ms).toBeLessThan(15_000);
    await gone("sleep 39.75");
  });
});

const skipSsh = sshdSkipReason();

describe.skipIf(skipSsh)("interrupting a run over ssh", () => {
  let sshd: Sshd;
  const inventory = (user: string, extra = "") =>
    inventoryFile(
      `ssh-${user}`,
      `web ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${user} ` +
        `ansible_ssh_private_key_file=${sshd.clientKey} ` +
        `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}' ${extra}\n`,
    );

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("the grace period ends: the remote command and its children are stopped, under become too", async () => {
    const mark = join(work, "ssh-grace");
    const pb = playbook(
      "ssh-grace",
      `    - name: slow\n      become: true\n      shell: touch ${mark}.started; sleep 36.5 & sleep 36.5; touch ${mark}.finished\n` +
        `    - name: next\n      file: path=${mark}.next state=touch\n`,
    );
    const res = await interruptOnceStarted(
      ["run", pb, "-i", inventory(TEST_USERS.nopw), "--grace-period", "1"],
      `${mark}.started`,
    );
    expect(res.ms).toBeLessThan(15_000);
    expect(res.stdout).toMatch(/fatal: \[web\]: FAILED! .*grace period ended/);
    expect(existsSync(`${mark}.next`)).toBe(false);
    expect(existsSync(`${mark}.finished`)).toBe(false);
    expect(await gone("sleep 36.5")).toBe("");
  });

  it("a second Ctrl-C during a large upload leaves the old file or the new one, never a part", async () => {
    const dest = join(work, "upload");
    rmSync(dest, { recursive: true, force: true });
    execFileSync("mkdir", ["-m", "0777", dest]);
    writeFileSync(join(dest, "big.bin"), "old content\n");
    chmodSync(join(dest, "big.bin"), 0o666);
    const source = join(work, "big-source.bin");
    execFileSync("dd", ["if=/dev/urandom", `of=${source}`, "bs=1M", "count=48", "status=none"]);
    const pb = playbook(
      "upload",
      `    - name: upload\n      copy: src=${source} dest=${dest}/big.bin mode=0644\n` +
        `    - name: next\n      file: path=${dest}/next state=touch\n`,
    );
    const run = startTsible(["run", pb, "-i", inventory(TEST_USERS.nopw)]);
    await run.waitFor("TASK [upload]");
    await new Promise((r) => setTimeout(r, 300));
    run.signal("SIGINT");
    run.signal("SIGINT");
    const res = await run.done;
    expect(res.code).toBe(99);
    const content = readFileSync(join(dest, "big.bin"));
    const old = content.equals(Buffer.from("old content\n"));
    expect(old || content.equals(readFileSync(source))).toBe(true);
    expect(readdirSync(dest).sort()).toEqual(["big.bin"]);
  });
});
