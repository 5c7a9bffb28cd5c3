import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedTasks, recapLines, taskStatuses, tsible } from "../helpers/cli.js";
import { changedPerHost, ownedFolder, writeInventory } from "../helpers/fleet.js";
import { type Sshd, sshdSkipReason, startSshds, TEST_USERS } from "../helpers/sshd.js";
import { snapshotTree } from "../helpers/tree.js";

/** Many hosts at once: ten sshds on 127.0.0.2-11, one playbook, as a non-root user. */
const skip = sshdSkipReason();
const HOSTS = 10;
let servers: Sshd[];
let work: string;
let playbook: string;

const PLAYBOOK = `- hosts: fleet
  gather_facts: false
  vars:
    app_port: 8080
  tasks:
    - name: app folders
      file: { path: "{{ base }}/{{ item }}", state: directory, mode: "0750" }
      loop: [etc, log, run]
    - name: main config from a template
      template: { src: templates/app.conf.j2, dest: "{{ base }}/etc/app.conf", mode: "0640" }
    - name: static file
      copy: { content: "fleet member\\n", dest: "{{ base }}/etc/motd", mode: "0644" }
    - name: settings line
      lineinfile:
        path: "{{ base }}/etc/settings.ini"
        regexp: "^host ="
        line: "host = {{ inventory_hostname }}"
        create: true
        mode: "0644"
    - name: stamp file, once
      command: touch {{ base }}/run/stamp
      args: { creates: "{{ base }}/run/stamp" }
    - name: who runs the tasks
      command: id -un
      register: who
      changed_when: false
    - name: record the login user
      copy: { content: "{{ who.stdout }}\\n", dest: "{{ base }}/run/user", mode: "0644" }
`;

const TEMPLATE = "# {{ inventory_hostname }}\nlisten = {{ app_port }}\n";

/** An inventory of the ten servers, each host writing under `<work>/<label>/hostN`; `down` gets a dead port. */
function fleetInventory(label: string, down?: number): { file: string; bases: string[] } {
  const dir = join(work, label);
  mkdirSync(dir, { mode: 0o755 });
  const bases = servers.map((_, i) => ownedFolder(join(dir, `host${i + 1}`)));
  const hosts = servers.map((sshd, i) => ({
    name: `host${i + 1}`,
    sshd,
    ...(i + 1 === down ? { port: 1 } : {}),
    vars: { base: bases[i]! },
  }));
  return { file: writeInventory(join(dir, "inventory.ini"), "fleet", hosts), bases };
}

function expectHostFiles(base: string, host: string): void {
  const tree = snapshotTree(base);
  expect(tree).toEqual({
    etc: { type: "dir", mode: "0750" },
    "etc/app.conf": { type: "file", mode: "0640", content: `# ${host}\nlisten = 8080\n` },
    "etc/motd": { type: "file", mode: "0644", content: "fleet member\n" },
    "etc/settings.ini": { type: "file", mode: "0644", content: `host = ${host}\n` },
    log: { type: "dir", mode: "0750" },
    run: { type: "dir", mode: "0750" },
    "run/stamp": { type: "file", mode: "0644", content: "" },
    "run/user": { type: "file", mode: "0644", content: `${TEST_USERS.nopw}\n` },
  });
}

describe.skipIf(skip)(`a fleet of ${HOSTS} hosts over SSH`, () => {
  beforeAll(async () => {
    servers = await startSshds(HOSTS, 2, { logLevel: "ERROR" });
    work = mkdtempSync(join(tmpdir(), "tsible-fleet-"));
    chmodSync(work, 0o755);
    mkdirSync(join(work, "templates"));
    writeFileSync(join(work, "templates", "app.conf.j2"), TEMPLATE);
    playbook = join(work, "fleet.yml");
    writeFileSync(playbook, PLAYBOOK);
  });
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("--forks 10 and --forks 1 give the same files and results; the second run changes nothing", async () => {
    const wide = fleetInventory("forks10");
    const narrow = fleetInventory("forks1");
    const parallel = await tsible(["run", playbook, "-i", wide.file, "--forks", "10"]);
    expect(parallel.code, parallel.stdout + parallel.stderr).toBe(0);
    const serial = await tsible(["run", playbook, "-i", narrow.file, "--forks", "1"]);
    expect(serial.code, serial.stdout + serial.stderr).toBe(0);

    const hosts = servers.map((_, i) => `host${i + 1}`);
    expect(Object.keys(changedPerHost(parallel.stdout)).sort()).toEqual([...hosts].sort());
    for (const [i, host] of hosts.entries()) {
      expectHostFiles(wide.bases[i]!, host);
      expect(snapshotTree(narrow.bases[i]!)).toEqual(snapshotTree(wide.bases[i]!));
    }
    // the same statuses task by task (hosts sorted: with 10 forks they finish in any order)
    const sortedStatuses = (out: string) =>
      taskStatuses(out).map((t) => ({ task: t.task, statuses: [...t.statuses].sort() }));
    expect(sortedStatuses(serial.stdout)).toEqual(sortedStatuses(parallel.stdout));
    expect(recapLines(serial.stdout)).toEqual(recapLines(parallel.stdout));
    expect(changedPerHost(parallel.stdout)).toEqual(Object.fromEntries(hosts.map((h) => [h, 6])));

    const again = await tsible(["run", playbook, "-i", wide.file, "--forks", "10"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(changedPerHost(again.stdout)).toEqual(Object.fromEntries(hosts.map((h) => [h, 0])));
    expect(changedTasks(again.stdout)).toEqual([]);
    for (const [i, host] of hosts.entries()) expectHostFiles(wide.bases[i]!, host);
  });

  test("one host down among ten: it is UNREACHABLE (exit 4), the other nine complete", async () => {
    const down = 5;
    const { file, bases } = fleetInventory("one-down", down);
    const res = await tsible(["run", playbook, "-i", file, "--forks", "10"]);
    expect(res.code, res.stdout + res.stderr).toBe(4);
    expect(res.stdout).toMatch(/fatal: \[host5\]: UNREACHABLE!/);
    const recap = recapLines(res.stdout);
    expect(recap).toHaveLength(HOSTS);
    for (const [i, base] of bases.entries()) {
      const host = `host${i + 1}`;
      const line = recap.find((l) => l.startsWith(`${host} `));
      if (i + 1 === down) {
        expect(line).toMatch(/unreachable=1/);
        expect(snapshotTree(base)).toEqual({});
      } else {
        expect(line).toMatch(/changed=6\s+unreachable=0\s+failed=0/);
        expectHostFiles(base, host);
      }
    }
  });
});
