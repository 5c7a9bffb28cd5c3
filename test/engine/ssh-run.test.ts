import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedTasks, ROOT, recapLines, tsible } from "../helpers/cli.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";
import { snapshotTree } from "../helpers/tree.js";

/** The engine's playbooks over a real sshd give the same files and recap as locally (and as Ansible). */
const skip = sshdSkipReason();
const FIXTURES = join(ROOT, "test/fixtures/compat");
let sshd: Sshd;
let work: string;

function inventory(name: string, user: string, extra = "", port?: number): string {
  const file = join(work, `${name}.ini`);
  writeFileSync(
    file,
    `${name} ansible_host=${sshd.host} ansible_port=${port ?? sshd.port} ansible_user=${user} ` +
      `ansible_ssh_private_key_file=${sshd.clientKey} ` +
      `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}' ${extra}\n`,
  );
  return file;
}

function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

describe.skipIf(skip)("playbooks over SSH", () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), "tsible-sshrun-"));
    chmodSync(work, 0o755);
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  for (const playbook of ["files", "handlers", "loops", "roles"]) {
    test(`${playbook}.yml as a non-root user: same result as ansible-playbook locally`, async () => {
      const base = mkdtempSync(join(work, `${playbook}-`));
      chownSync(base, uid(TEST_USERS.nopw), uid(TEST_USERS.nopw));
      // the fixtures target `localhost`: here it is reached over SSH instead of locally
      const inv = inventory("localhost", TEST_USERS.nopw, "ansible_connection=ssh");
      const expected = JSON.parse(readFileSync(join(FIXTURES, "expected", `${playbook}.json`), "utf8"));
      for (const round of [0, 1]) {
        const res = await tsible(["run", join(FIXTURES, `${playbook}.yml`), "-i", inv, "-e", `base=${base}`]);
        expect(res.code, res.stdout + res.stderr).toBe(0);
        expect(recapLines(res.stdout)).toEqual(expected[round].recap);
        expect(changedTasks(res.stdout)).toEqual(expected[round].changed);
        expect(snapshotTree(base)).toEqual(expected[round].tree);
      }
    });
  }

  test("become with NOPASSWD writes as root; a user whose sudo needs a password gets a clear error", async () => {
    const play = join(work, "become.yml");
    writeFileSync(
      play,
      `- hosts: all\n  gather_facts: false\n  become: true\n  tasks:\n    - copy: { content: "root only\\n", dest: ${work}/root-file, mode: "0600" }\n    - command: id -u\n      register: who\n    - debug: { msg: "uid={{ who.stdout }}" }\n`,
    );
    const ok = await tsible(["run", play, "-i", inventory("b1", TEST_USERS.nopw)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"msg": "uid=0"');
    const st = execFileSync("stat", ["-c", "%u %a", join(work, "root-file")])
      .toString()
      .trim();
    expect(st).toBe("0 600");
    const denied = await tsible(["run", play, "-i", inventory("b2", TEST_USERS.pw)]);
    expect(denied.code).toBe(2);
    expect(denied.stdout).toMatch(/sudo needs a password/);
  });

  test("a become task after a plain one replaces a file and keeps its owner, as root does", async () => {
    const dir = mkdtempSync(join(work, "owner-"));
    chmodSync(dir, 0o755);
    const mine = join(dir, "mine");
    const theirs = join(dir, "theirs.conf");
    writeFileSync(theirs, "old\n");
    chownSync(theirs, uid("nobody"), uid("nobody"));
    chownSync(dir, uid(TEST_USERS.nopw), uid(TEST_USERS.nopw));
    const play = join(work, "owner.yml");
    // the first file task runs as the login user; the second, under become, must act as root
    writeFileSync(
      play,
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy: { content: "x\\n", dest: ${mine} }\n` +
        `    - copy: { content: "new\\n", dest: ${theirs} }\n      become: true\n`,
    );
    const res = await tsible(["run", play, "-i", inventory("own", TEST_USERS.nopw)]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(readFileSync(theirs, "utf8")).toBe("new\n");
    expect(execFileSync("stat", ["-c", "%U:%G", theirs]).toString().trim()).toBe("nobody:nogroup");
  });

  test("an unreachable host is reported UNREACHABLE with exit code 4", async () => {
    const play = join(work, "ping.yml");
    writeFileSync(play, "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/true\n");
    const res = await tsible(["run", play, "-i", inventory("down", "root", "", 1)]);
    expect(res.code).toBe(4);
    expect(res.stdout).toMatch(/fatal: \[down\]: UNREACHABLE!/);
    expect(recapLines(res.stdout)[0]).toMatch(/unreachable=1/);
  });

  test("a loop item that loses the host makes it UNREACHABLE: no later item, task or rescue runs", async () => {
    const marks = mkdtempSync(join(work, "lost-"));
    const play = join(work, "lost-in-loop.yml");
    // item 2 kills its own sshd session process: the connection is gone mid-loop
    writeFileSync(
      play,
      `- hosts: all
  gather_facts: false
  tasks:
    - block:
        - shell: "touch ${marks}/item-{{ item }}; {{ 'kill -9 $PPID; sleep 5' if item == 2 else 'true' }}"
          loop: [1, 2, 3]
        - file: { path: "${marks}/next", state: touch }
      rescue:
        - file: { path: "${marks}/rescued", state: touch }
`,
    );
    const res = await tsible(["run", play, "-i", inventory("lost", "root")]);
    expect(res.code, res.stdout + res.stderr).toBe(4);
    expect(res.stdout).toMatch(/fatal: \[lost\]: UNREACHABLE! => .*"item": 2/);
    expect(recapLines(res.stdout)[0]).toMatch(/unreachable=1.*rescued=0/);
    expect(readdirSync(marks).sort()).toEqual(["item-1", "item-2"]);
  });

  test("a changed host key is refused loudly", async () => {
    const play = join(work, "ping2.yml");
    writeFileSync(play, "- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/true\n");
    const wrong = join(work, "wrong_known_hosts");
    const other = readFileSync(sshd.knownHosts, "utf8").replace(
      /ssh-ed25519 \S+/,
      `ssh-ed25519 ${"A".repeat(68)}`,
    );
    writeFileSync(wrong, other);
    const inv = join(work, "wrong.ini");
    writeFileSync(
      inv,
      `web1 ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args='-o UserKnownHostsFile=${wrong}'\n`,
    );
    const res = await tsible(["run", play, "-i", inv]);
    expect(res.code).toBe(4);
    expect(res.stdout).toMatch(/IDENTIFICATION HAS CHANGED|host key/i);
  });
});
