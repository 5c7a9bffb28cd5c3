import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedTasks, recapLines, tsible } from "../../helpers/cli.js";
import { makeKeyPair, type Sshd, startSshd, TEST_USERS } from "../../helpers/sshd.js";
import { snapshotTree } from "../../helpers/tree.js";
import { chownTree, makeSourceTree, ownerOf, rsyncSkipReason } from "./fixtures.js";

/** `synchronize` in a playbook run by the CLI over the test sshd, as a user would run it. */
const skip = rsyncSkipReason();
let sshd: Sshd;
let work: string;

function inventory(name: string, user: string, knownHosts: string): string {
  const file = join(work, `${name}.ini`);
  writeFileSync(
    file,
    `web ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${user} ` +
      `ansible_ssh_private_key_file=${sshd.clientKey} ` +
      `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts}'\n`,
  );
  return file;
}

/** A playbook beside a `files/site/` tree that it pushes with become to a root-only folder. */
function playbook(dest: string): string {
  const dir = mkdtempSync(join(work, "play-"));
  mkdirSync(join(dir, "files"));
  makeSourceTree(join(dir, "files/site"));
  const file = join(dir, "deploy.yml");
  writeFileSync(
    file,
    [
      "- hosts: all",
      "  gather_facts: false",
      "  become: true",
      "  tasks:",
      "    - name: push the site",
      "      ansible.posix.synchronize:",
      "        src: site/",
      `        dest: ${dest}`,
      "        delete: true",
      "        exclude: ['*.log']",
      "      register: pushed",
      "    - name: show what changed",
      '      debug: { msg: "{{ pushed.changed_files | length }} files" }',
      "",
    ].join("\n"),
  );
  return file;
}

describe.skipIf(skip)(`synchronize through the CLI${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), "tsible-rsync-cli-"));
    chmodSync(work, 0o755);
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("check, push with become, then an idempotent re-run", async () => {
    const destRoot = mkdtempSync(join(work, "dest-"));
    chmodSync(destRoot, 0o700);
    const dest = join(destRoot, "site");
    const play = playbook(dest);
    const inv = inventory("nopw", TEST_USERS.nopw, sshd.knownHosts);

    const check = await tsible(["run", play, "-i", inv, "--check"]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(changedTasks(check.stdout)).toEqual(["push the site"]);
    expect(existsSync(dest)).toBe(false);

    const first = await tsible(["run", play, "-i", inv]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(changedTasks(first.stdout)).toEqual(["push the site"]);
    const expected = snapshotTree(join(play, "../files/site"));
    delete expected["debug.log"];
    expect(snapshotTree(dest)).toEqual(expected);
    expect(ownerOf(join(dest, "run.sh"))).toBe("root");

    const second = await tsible(["run", play, "-i", inv]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(changedTasks(second.stdout)).toEqual([]);
    expect(second.stdout).toContain('"msg": "0 files"');
    expect(recapLines(second.stdout)[0]).toMatch(/web\s+: ok=2\s+changed=0/);
  });

  test("a host whose key changed is refused and nothing is copied", async () => {
    const impostor = makeKeyPair("impostor-host");
    const wrongKnownHosts = join(work, "changed_known_hosts");
    writeFileSync(wrongKnownHosts, `[${sshd.host}]:${sshd.port} ${impostor.publicLine}\n`);
    const destRoot = mkdtempSync(join(work, "refused-"));
    chownTree(destRoot, TEST_USERS.nopw);
    const dest = join(destRoot, "site");
    const res = await tsible([
      "run",
      playbook(dest),
      "-i",
      inventory("changed", TEST_USERS.nopw, wrongKnownHosts),
    ]);
    expect(res.code).toBe(4);
    expect(res.stdout).toMatch(/UNREACHABLE/);
    expect(res.stdout).toMatch(/IDENTIFICATION HAS CHANGED|host key/i);
    expect(existsSync(dest)).toBe(false);
    expect(readFileSync(wrongKnownHosts, "utf8")).toContain(impostor.publicLine);
  });
});
