import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Interrupts } from "../../src/cli/interrupts.js";
import { main } from "../../src/cli/main.js";
import { BIN, type CliResult, changedTasks, recapLines, runProcess, tsible } from "../helpers/cli.js";
import { changedPerHost, type FleetHost, ownedFolder, writeInventory } from "../helpers/fleet.js";
import { type Sshd, sshdSkipReason, startSshd, startSshdsOn } from "../helpers/sshd.js";
import { snapshotTree } from "../helpers/tree.js";

/**
 * Load (issue 8): 50 hosts — 50 loopback addresses served by one sshd — and a realistic playbook, run
 * serially, with --forks 10 and with --forks 50. Every host ends with the same files as in the serial
 * run, the recaps are the same, a second run changes nothing; an in-process run leaves no file
 * descriptor and no TCP connection behind; a CLI run at forks 50 stays within a memory bound.
 */
const skip = sshdSkipReason();
const HOSTS = 50;
const MAX_RSS_MB = 250;

let servers: Array<{ address: string; sshd: Sshd }>;
let work: string;
let playbook: string;

const PLAYBOOK = `- hosts: fleet
  gather_facts: false
  vars:
    app_name: shop
    features: [gzip, metrics]
  tasks:
    - name: app folders
      file: { path: "{{ base }}/{{ item }}", state: directory, mode: "0750" }
      loop: [etc, log, run, data]
    - name: main config
      template: { src: templates/app.conf.j2, dest: "{{ base }}/etc/app.conf", mode: "0640" }
      notify: reload app
    - name: static asset
      copy: { src: files/asset.txt, dest: "{{ base }}/data/asset.txt", mode: "0644" }
    - name: host identity
      copy: { content: "{{ inventory_hostname }} {{ tier }}\\n", dest: "{{ base }}/etc/identity", mode: "0644" }
    - name: port line
      lineinfile:
        path: "{{ base }}/etc/settings.ini"
        regexp: "^port ="
        line: "port = {{ app_port }}"
        create: true
        mode: "0644"
    - name: tier line
      lineinfile: { path: "{{ base }}/etc/settings.ini", regexp: "^tier =", line: "tier = {{ tier }}" }
    - name: read the identity back
      command: cat {{ base }}/etc/identity
      register: identity
      changed_when: false
    - name: web hosts get a cache
      file: { path: "{{ base }}/data/cache", state: directory, mode: "0700" }
      when: "'web' in identity.stdout"
    - name: initialise the data once
      command: touch {{ base }}/data/initialised
      args: { creates: "{{ base }}/data/initialised" }
  handlers:
    - name: reload app
      command: touch {{ base }}/run/reloaded
`;

const TEMPLATE = `# {{ app_name }} on {{ inventory_hostname }}
listen = {{ app_port }}
{% for f in features %}feature = {{ f }}
{% endfor %}{% if tier == 'web' %}cache = on
{% else %}cache = off
{% endif %}`;

const ASSET = `${"static asset line\n".repeat(400)}`;

const name = (i: number) => `host${String(i).padStart(2, "0")}`;
const tierOf = (i: number) => (i % 3 === 0 ? "db" : "web");
const portOf = (i: number) => 8000 + i;
const hostNames = Array.from({ length: HOSTS }, (_, i) => name(i + 1));

/** An inventory of the 50 addresses, each host writing under `<work>/<label>/hostNN`. */
function fleet(label: string): { file: string; bases: string[] } {
  const dir = join(work, label);
  mkdirSync(dir, { mode: 0o755 });
  // each host its own run lock, as 50 machines would have (here they are all this machine)
  const locks = ownedFolder(join(dir, "locks"));
  const bases: string[] = [];
  const hosts: FleetHost[] = servers.map(({ address, sshd }, k) => {
    const i = k + 1;
    bases.push(ownedFolder(join(dir, name(i))));
    const vars = {
      base: bases[k]!,
      tier: tierOf(i),
      app_port: portOf(i),
      tsible_lock_dir: join(locks, name(i)),
    };
    return { name: name(i), sshd, address, vars };
  });
  return { file: writeInventory(join(dir, "inventory.ini"), "fleet", hosts), bases };
}

/** What every host holds after the first run, from its own variables. */
function expectedTree(i: number): Record<string, unknown> {
  const web = tierOf(i) === "web";
  const file = (mode: string, content: string) => ({ type: "file", mode, content });
  return {
    data: { type: "dir", mode: "0750" },
    "data/asset.txt": file("0644", ASSET),
    ...(web ? { "data/cache": { type: "dir", mode: "0700" } } : {}),
    "data/initialised": file("0644", ""),
    etc: { type: "dir", mode: "0750" },
    "etc/app.conf": file(
      "0640",
      `# shop on ${name(i)}\nlisten = ${portOf(i)}\nfeature = gzip\nfeature = metrics\ncache = ${web ? "on" : "off"}\n`,
    ),
    "etc/identity": file("0644", `${name(i)} ${tierOf(i)}\n`),
    "etc/settings.ini": file("0644", `port = ${portOf(i)}\ntier = ${tierOf(i)}\n`),
    log: { type: "dir", mode: "0750" },
    run: { type: "dir", mode: "0750" },
    "run/reloaded": file("0644", ""),
  };
}

const firstRunChanged = () =>
  Object.fromEntries(hostNames.map((h, k) => [h, tierOf(k + 1) === "web" ? 9 : 8]));
const noneChanged = () => Object.fromEntries(hostNames.map((h) => [h, 0]));

function expectSameAsSerial(serial: string[], bases: string[]): void {
  for (const [k, base] of bases.entries()) {
    expect(snapshotTree(base), name(k + 1)).toEqual(snapshotTree(serial[k]!));
  }
}

/** This process's open file descriptors. */
function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** This process's TCP sockets whose peer is one of the sshds (from /proc/net/tcp, by socket inode). */
function tcpToSshd(): number {
  const mine = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) mine.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const ports = new Set(servers.map((s) => s.sshd.port.toString(16).toUpperCase().padStart(4, "0")));
  return readFileSync("/proc/self/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => ports.has(f[2]?.split(":")[1] ?? "") && mine.has(f[9] ?? "")).length;
}

/** Runs the CLI inside this process (as bin/tsible.js does, with buffers for the terminal). */
async function runInProcess(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const interrupts = new Interrupts();
  const code = await main(args, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    prompt: () => Promise.reject(new Error("no prompt in this test")),
    ask: () => Promise.reject(new Error("no prompt in this test")),
    isTTY: false,
    env: { ...process.env, NO_COLOR: "1" },
    signal: interrupts.abort,
    interrupts,
    vault: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, isTTY: false },
  });
  return { code, stdout, stderr };
}

/** Waits until `read()` gives `want` (sockets close a tick after the run resolves), at most 2 s. */
async function settle(read: () => number, want: number): Promise<number> {
  let value = read();
  for (let i = 0; i < 40 && value !== want; i++) {
    await new Promise((r) => setTimeout(r, 50));
    value = read();
  }
  return value;
}

describe.skipIf(skip)(`load: ${HOSTS} hosts over SSH`, () => {
  let serial: { stdout: string; bases: string[] };
  let forks10: CliResult & { bases: string[] };

  beforeAll(async () => {
    const addresses = Array.from({ length: HOSTS }, (_, k) => `127.0.0.${100 + k}`);
    servers = await startSshdsOn(addresses, { logLevel: "ERROR" });
    work = mkdtempSync(join(tmpdir(), "tsible-load-"));
    chmodSync(work, 0o755);
    mkdirSync(join(work, "templates"));
    mkdirSync(join(work, "files"));
    writeFileSync(join(work, "templates", "app.conf.j2"), TEMPLATE);
    writeFileSync(join(work, "files", "asset.txt"), ASSET);
    playbook = join(work, "site.yml");
    writeFileSync(playbook, PLAYBOOK);

    // side by side: the serial run mostly waits on round trips, which leaves room for the other
    const one = fleet("serial");
    const ten = fleet("forks10");
    const [res, res10] = await Promise.all([
      tsible(["run", playbook, "-i", one.file, "--forks", "1"]),
      tsible(["run", playbook, "-i", ten.file, "--forks", "10"]),
    ]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    serial = { stdout: res.stdout, bases: one.bases };
    forks10 = { ...res10, bases: ten.bases };
  });
  afterAll(async () => {
    await Promise.all([...new Set((servers ?? []).map((s) => s.sshd))].map((s) => s.stop()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the serial run: every host's files from its own variables, the handler once per host", () => {
    for (const [k, base] of serial.bases.entries()) expect(snapshotTree(base)).toEqual(expectedTree(k + 1));
    expect(changedPerHost(serial.stdout)).toEqual(firstRunChanged());
    expect(serial.stdout.match(/^RUNNING HANDLER \[reload app\]/gm)).toHaveLength(1);
  });

  test("--forks 10: the serial run's files and recap", () => {
    expect(forks10.code, forks10.stdout + forks10.stderr).toBe(0);
    expectSameAsSerial(serial.bases, forks10.bases);
    expect(recapLines(forks10.stdout)).toEqual(recapLines(serial.stdout));
  });

  test(`--forks 50 from the command line: the serial run's results, peak memory under ${MAX_RSS_MB} MB`, async () => {
    const { file, bases } = fleet("forks50");
    // the CLI itself, with a preload that reports its peak resident memory (getrusage) as it exits
    const rssFile = join(work, "maxrss");
    const preload = join(work, "maxrss.mjs");
    writeFileSync(
      preload,
      `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    const res = await runProcess(process.execPath, [
      "--import",
      preload,
      BIN,
      "run",
      playbook,
      "-i",
      file,
      "--forks",
      "50",
    ]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expectSameAsSerial(serial.bases, bases);
    expect(recapLines(res.stdout)).toEqual(recapLines(serial.stdout));
    expect(res.stderr).not.toMatch(/Warning/); // no MaxListenersExceededWarning with 50 hosts at once
    const peakMb = Number(readFileSync(rssFile, "utf8")) / 1024;
    console.log(`peak RSS of tsible at --forks 50 on ${HOSTS} hosts: ${peakMb.toFixed(0)} MB`);
    expect(peakMb).toBeGreaterThan(10);
    expect(peakMb).toBeLessThan(MAX_RSS_MB);
  });

  test("in-process at --forks 50: no file descriptor and no TCP connection left; the second run changes nothing", async () => {
    const { file, bases } = fleet("in-process");
    const fds = openFds();
    expect(tcpToSshd()).toBe(0);
    // the probes see a connection this process holds
    const probe = connect({ host: servers[0]!.address, port: servers[0]!.sshd.port });
    await new Promise((r) => probe.once("data", r));
    expect([tcpToSshd(), openFds()]).toEqual([1, fds + 1]);
    probe.destroy();
    expect(await settle(openFds, fds)).toBe(fds);

    const first = await runInProcess(["run", playbook, "-i", file, "--forks", "50"]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expectSameAsSerial(serial.bases, bases);
    expect(recapLines(first.stdout)).toEqual(recapLines(serial.stdout));
    expect(await settle(tcpToSshd, 0)).toBe(0);
    expect(await settle(openFds, fds)).toBe(fds);

    const second = await runInProcess(["run", playbook, "-i", file, "--forks", "50"]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(changedPerHost(second.stdout)).toEqual(noneChanged());
    expect(changedTasks(second.stdout)).toEqual([]);
    expectSameAsSerial(serial.bases, bases);
    expect(await settle(tcpToSshd, 0)).toBe(0);
    expect(await settle(openFds, fds)).toBe(fds);
  });
});

describe.skipIf(skip)("an sshd that drops connections past its MaxStartups", () => {
  let dropping: Sshd;
  let dir: string;
  let play: string;
  beforeAll(async () => {
    const addresses = Array.from({ length: 8 }, (_, k) => `127.0.0.${160 + k}`);
    // at most 4 connections may be unauthenticated at once; sshd drops the others before the handshake
    dropping = await startSshd({ addresses, maxStartups: "4" });
    dir = mkdtempSync(join(tmpdir(), "tsible-maxstartups-"));
    chmodSync(dir, 0o755);
    play = join(dir, "ping.yml");
    writeFileSync(play, "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - command: /bin/true\n");
  });
  afterAll(async () => {
    await dropping?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function inventory(label: string, count: number): string {
    const locks = ownedFolder(join(dir, `${label}-locks`));
    const hosts = dropping.addresses.slice(0, count).map((address, k) => ({
      name: name(k + 1),
      sshd: dropping,
      address,
      vars: { tsible_lock_dir: join(locks, name(k + 1)) },
    }));
    return writeInventory(join(dir, `${label}.ini`), "fleet", hosts);
  }

  test("8 hosts at --forks 8: the dropped connections are tried again, every host runs", async () => {
    const res = await tsible(["run", play, "-i", inventory("eight", 8), "--forks", "8"]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(changedPerHost(res.stdout)).toEqual(
      Object.fromEntries(Array.from({ length: 8 }, (_, k) => [name(k + 1), 1])),
    );
    expect(readFileSync(dropping.logFile, "utf8")).toMatch(/past MaxStartups/);
  });

  test("a server that keeps dropping them: UNREACHABLE, saying why and what to change", async () => {
    const held: Socket[] = [];
    try {
      // four connections that never authenticate fill the server's MaxStartups
      for (let i = 0; i < 4; i++) {
        const sock = connect({ host: dropping.host, port: dropping.port });
        await new Promise((r) => sock.once("data", r));
        held.push(sock);
      }
      const res = await tsible(["run", play, "-i", inventory("refused", 1)]);
      expect(res.code, res.stdout + res.stderr).toBe(4);
      expect(res.stdout).toMatch(
        /fatal: \[host01\]: UNREACHABLE!.*the server closed the connection before the SSH handshake \(5 attempts\).*MaxStartups/,
      );
    } finally {
      for (const sock of held) sock.destroy();
    }
  });
});
