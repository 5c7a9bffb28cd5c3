/**
 * Starts Debian's real sshd on loopback for the tests: its own config, host key and authorized keys in
 * a temp folder, a free port, and test users (root, sudo without password, sudo with password, no sudo).
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SSHD = "/usr/sbin/sshd";

export const TEST_USERS = {
  nopw: "tsible-nopw",
  pw: "tsible-pw",
  nosudo: "tsible-nosudo",
} as const;
/** The login password of `tsible-pw` and `tsible-nosudo` (throwaway users on a test machine). */
export const PW_USER_PASSWORD = "tsible-pw-Secret1";

/** Why sshd tests cannot run here, or undefined. Under CI a missing part is an error, not a skip. */
export function sshdSkipReason(): string | undefined {
  let reason: string | undefined;
  if (!existsSync(SSHD)) reason = "sshd is not installed (apt-get install openssh-server)";
  else if (!existsSync("/usr/bin/ssh-keygen")) reason = "ssh-keygen is not installed";
  else if (!existsSync("/usr/bin/sudo")) reason = "sudo is not installed";
  else if (process.getuid?.() !== 0) reason = "the sshd tests create users and need root";
  if (reason && process.env.CI) throw new Error(`CI must run the sshd tests: ${reason}`);
  return reason;
}

export interface KeyPair {
  /** Path of the private key (OpenSSH format, mode 0600). */
  privateKey: string;
  publicKey: string;
  /** The `type base64` public key line. */
  publicLine: string;
}

let workDir: string | undefined;
function sharedDir(): string {
  if (!workDir) {
    // named by the test run, whose end removes it (test/global-setup.ts): workers are stopped, not exited
    workDir = mkdtempSync(
      join(tmpdir(), `tsible-sshd-keys-${process.env.TSIBLE_TEST_RUN ?? "outside-vitest"}-`),
    );
    process.on("exit", () => rmSync(workDir!, { recursive: true, force: true }));
  }
  return workDir;
}

/** Generates a fresh key pair in the shared temp folder (optionally protected by a passphrase). */
export function makeKeyPair(
  name: string,
  opts: { passphrase?: string; type?: "ed25519" | "rsa" } = {},
): KeyPair {
  const dir = sharedDir();
  const privateKey = join(dir, `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  const type = opts.type ?? "ed25519";
  const bits = type === "rsa" ? ["-b", "2048"] : [];
  execFileSync("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...bits,
    "-N",
    opts.passphrase ?? "",
    "-C",
    name,
    "-f",
    privateKey,
  ]);
  const publicLine = readFileSync(`${privateKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return { privateKey, publicKey: `${privateKey}.pub`, publicLine };
}

let clientKey: KeyPair | undefined;
/** The key every test sshd authorizes for every test user. */
export function testClientKey(): KeyPair {
  clientKey ??= makeKeyPair("client");
  return clientKey;
}

function userExists(name: string): boolean {
  try {
    execFileSync("id", ["-u", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function ensureUser(name: string): void {
  if (userExists(name)) return;
  try {
    execFileSync("useradd", ["-m", "-s", "/bin/sh", name], { stdio: "ignore" });
  } catch (err) {
    if (!userExists(name)) throw err; // another test worker may have created it meanwhile
  }
}

let usersReady = false;
/** Creates the test users and their sudoers rules, idempotently. */
export function ensureTestUsers(): void {
  if (usersReady) return;
  for (const name of Object.values(TEST_USERS)) ensureUser(name);
  // "*" instead of useradd's locking "!": sshd without PAM refuses locked accounts even for keys.
  execFileSync("usermod", ["-p", "*", TEST_USERS.nopw]);
  // nosudo has a password too: sudo only says "not in the sudoers file" after a correct one.
  execFileSync("chpasswd", {
    input: `${TEST_USERS.pw}:${PW_USER_PASSWORD}\n${TEST_USERS.nosudo}:${PW_USER_PASSWORD}\n`,
  });
  const sudoers =
    `${TEST_USERS.nopw} ALL=(ALL:ALL) NOPASSWD: ALL\n` +
    `${TEST_USERS.pw} ALL=(ALL:ALL) ALL\n` +
    `Defaults:${TEST_USERS.pw} lecture=never\n`;
  const file = "/etc/sudoers.d/tsible-test";
  if (!existsSync(file) || readFileSync(file, "utf8") !== sudoers) {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, sudoers, { mode: 0o440 });
    execFileSync("visudo", ["-cqf", temp]);
    execFileSync("mv", ["-f", temp, file]);
  }
  usersReady = true;
}

export interface Sshd {
  /** The first (or only) listen address. */
  host: string;
  /** Every address it listens on, all with the same port and host key. */
  addresses: string[];
  port: number;
  /** Temp folder with config, host key, authorized keys and log. */
  dir: string;
  /** A known_hosts file holding this server's key as `[address]:port` (port 22: `address`), one line per address. */
  knownHosts: string;
  /** The host key as `type base64`. */
  hostKeyLine: string;
  /** SHA256:... as OpenSSH prints it. */
  hostFingerprint: string;
  /** Private key authorized for all users. */
  clientKey: string;
  logFile: string;
  pid: number;
  /**
   * Kills the per-connection sshd processes (the listener stays), the privileged one and the one that
   * holds the socket: the connections drop mid-call, as if reset. The commands they ran are left to
   * find their input and output gone, as after a real reset.
   */
  killSessions(): number;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  /** A loopback address, 127.0.0.1 by default. */
  address?: string;
  /** Several loopback addresses for one sshd (one process serving a fleet of "hosts"); overrides address. */
  addresses?: string[];
  /**
   * Runs sshd inside this network namespace (`ip netns exec`), listening on `address` there; the address
   * may then be a private one on a veth link the test created (see netns.ts). Needs `port`.
   */
  netns?: string;
  /** A fixed port (a free one is picked on loopback when not given). */
  port?: number;
  /** sshd's MaxStartups (start:rate:full), 100:30:200 by default so fleets are not dropped at random. */
  maxStartups?: string;
  /** More public key lines to authorize for every user. */
  authorizedKeys?: string[];
  logLevel?: "ERROR" | "INFO" | "VERBOSE" | "DEBUG1";
}

/** Binds `address:port` (0: any port) and releases it; the port, or undefined when it is taken. */
function tryPort(address: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen({ host: address, port }, () => {
      const addr = server.address();
      const bound = typeof addr === "object" && addr ? addr.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** A port free on every one of `addresses`. */
async function freePort(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await tryPort(addresses[0]!, 0);
    if (port === undefined) continue;
    const rest = await Promise.all(addresses.slice(1).map((a) => tryPort(a, port)));
    if (rest.every((p) => p === port)) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(", ")}`);
}

function bannerReady(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    sock.setTimeout(500);
    sock.once("data", (d) => {
      sock.destroy();
      resolve(d.toString().startsWith("SSH-2.0"));
    });
    sock.once("error", () => resolve(false));
    sock.once("timeout", () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** Every address answers with a banner; one at a time, so a small MaxStartups drops none of them. */
async function allReady(addresses: string[], port: number): Promise<boolean> {
  for (const address of addresses) if (!(await bannerReady(address, port))) return false;
  return true;
}

export function fingerprintOf(publicLine: string): string {
  const blob = Buffer.from(publicLine.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function childPidsOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** `parent`'s children, grandchildren and so on (collected before anything is killed). */
function descendantsOf(parent: number): number[] {
  const children = childPidsOf(parent);
  return [...children, ...children.flatMap(descendantsOf)];
}

function isSshd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sshd";
  } catch {
    return false;
  }
}

/** Kills the sessions of the sshd `listener` (with their unprivileged sshd children); how many. */
function killSessionsOf(listener: number): number {
  const sessions = childPidsOf(listener);
  const sshds = [...sessions, ...sessions.flatMap(descendantsOf).filter(isSshd)];
  for (const p of sshds) killQuietly(p);
  return sessions.length;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // it ended by itself meanwhile
  }
}

/** Starts one sshd on `address` and a free port; call stop() in afterAll. */
export async function startSshd(opts: StartSshdOptions = {}): Promise<Sshd> {
  ensureTestUsers();
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const addresses = opts.addresses ?? [opts.address ?? "127.0.0.1"];
  const host = addresses[0]!;
  if (!opts.netns && !addresses.every((a) => a.startsWith("127."))) {
    throw new Error("test sshd listens on loopback only (or inside a namespace the test created)");
  }
  if (opts.netns && opts.port === undefined) throw new Error("an sshd in a namespace needs a fixed port");
  const dir = mkdtempSync(join(tmpdir(), "tsible-sshd-"));
  execFileSync("chmod", ["0755", dir]); // test users read their authorized keys from here
  const hostKey = join(dir, "ssh_host_ed25519_key");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", hostKey]);
  const hostKeyLine = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  const client = testClientKey();
  const keys = [client.publicLine, ...(opts.authorizedKeys ?? [])].join("\n");
  mkdirSync(join(dir, "authorized_keys"), { mode: 0o755 });
  for (const user of ["root", ...Object.values(TEST_USERS)]) {
    writeFileSync(join(dir, "authorized_keys", user), `${keys}\n`, { mode: 0o644 });
  }
  const port = opts.port ?? (await freePort(addresses));
  const logFile = join(dir, "sshd.log");
  const config = [
    `Port ${port}`,
    ...addresses.map((a) => `ListenAddress ${a}`),
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}/%u`,
    "StrictModes no",
    "UsePAM no",
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication yes",
    "KbdInteractiveAuthentication no",
    "AllowTcpForwarding yes",
    `MaxStartups ${opts.maxStartups ?? "100:30:200"}`,
    "UseDNS no",
    `LogLevel ${opts.logLevel ?? "VERBOSE"}`,
    "Subsystem sftp internal-sftp",
  ].join("\n");
  const configFile = join(dir, "sshd_config");
  writeFileSync(configFile, `${config}\n`);
  const sshdArgs = ["-D", "-f", configFile, "-E", logFile];
  // `ip netns exec` execs sshd in place: the child's pid is sshd's own
  const child = opts.netns
    ? spawn("ip", ["netns", "exec", opts.netns, SSHD, ...sshdArgs], { stdio: "ignore" })
    : spawn(SSHD, sshdArgs, { stdio: "ignore" });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let ok = false;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    if (await allReady(addresses, port)) {
      ok = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!ok) {
    child.kill("SIGKILL");
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    throw new Error(`sshd did not start on ${addresses.join(", ")} port ${port}: ${log}`);
  }
  const knownHosts = join(dir, "known_hosts");
  const known = (a: string) => (port === 22 ? a : `[${a}]:${port}`); // as OpenSSH writes them
  writeFileSync(knownHosts, addresses.map((a) => `${known(a)} ${hostKeyLine}\n`).join(""));
  const pid = child.pid!;
  return {
    host,
    addresses,
    port,
    dir,
    knownHosts,
    hostKeyLine,
    hostFingerprint: fingerprintOf(hostKeyLine),
    clientKey: client.privateKey,
    logFile,
    pid,
    killSessions() {
      return killSessionsOf(pid);
    },
    async stop() {
      if (child.exitCode === null) {
        killSessionsOf(pid);
        child.kill("SIGTERM");
        await exited;
      }
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** sshd's limit on listen sockets (MAX_LISTEN_SOCKS). */
export const MAX_LISTEN_ADDRESSES = 16;

/**
 * Serves every one of `addresses` (loopback) with as few sshds as sshd's listen-socket limit allows:
 * one entry per address, in order, with the sshd behind it. Much cheaper than one sshd per host.
 */
export async function startSshdsOn(
  addresses: string[],
  opts: StartSshdOptions = {},
): Promise<Array<{ address: string; sshd: Sshd }>> {
  const groups: string[][] = [];
  for (let i = 0; i < addresses.length; i += MAX_LISTEN_ADDRESSES) {
    groups.push(addresses.slice(i, i + MAX_LISTEN_ADDRESSES));
  }
  const servers = await Promise.all(groups.map((group) => startSshd({ ...opts, addresses: group })));
  return servers.flatMap((sshd) => sshd.addresses.map((address) => ({ address, sshd })));
}

/** Starts sshds on 127.0.0.<first>, <first+1>, ... (for fleets and jump hosts). */
export async function startSshds(count: number, first = 2, opts: StartSshdOptions = {}): Promise<Sshd[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) => startSshd({ ...opts, address: `127.0.0.${first + i}` })),
  );
}
