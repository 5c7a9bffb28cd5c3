/** Fleets of SSH hosts for engine tests: INI inventories over test sshds, folders owned by the login user. */

import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { recapLines } from "./cli.js";
import { type Sshd, TEST_USERS } from "./sshd.js";

export interface FleetHost {
  name: string;
  /** The sshd serving this host, and which of its addresses (its first by default). */
  sshd: Sshd;
  address?: string;
  /** A port instead of the sshd's (1: a host that is down). */
  port?: number;
  /** More host variables, written as `key=value` (values without spaces, or already quoted). */
  vars?: Record<string, string | number>;
  /** More ssh options for ansible_ssh_common_args, such as `-o ServerAliveInterval=1`. */
  sshArgs?: string;
}

export function uid(user: string): number {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

/** Creates `path` owned by `user` (the test user the hosts log in as), for it to write under. */
export function ownedFolder(path: string, user: string = TEST_USERS.nopw): string {
  mkdirSync(path, { recursive: true });
  const id = uid(user);
  chownSync(path, id, id);
  return path;
}

/** One INI inventory line for a host: address, port, user, key and known_hosts of its sshd. */
export function inventoryLine(host: FleetHost, user: string = TEST_USERS.nopw): string {
  const { sshd } = host;
  const vars = Object.entries(host.vars ?? {}).map(([k, v]) => ` ${k}=${v}`);
  return (
    `${host.name} ansible_host=${host.address ?? sshd.host} ansible_port=${host.port ?? sshd.port} ` +
    `ansible_user=${user} ansible_ssh_private_key_file=${sshd.clientKey} ` +
    `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}${host.sshArgs ? ` ${host.sshArgs}` : ""}'` +
    vars.join("")
  );
}

/** Writes an INI inventory with the hosts in `group`. */
export function writeInventory(file: string, group: string, hosts: FleetHost[], user?: string): string {
  writeFileSync(file, `[${group}]\n${hosts.map((h) => inventoryLine(h, user)).join("\n")}\n`);
  return file;
}

/** host → changed count, from the PLAY RECAP. */
export function changedPerHost(stdout: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of recapLines(stdout)) {
    const m = /^(\S+)\s+: ok=\d+\s+changed=(\d+)/.exec(line);
    if (m) counts[m[1]!] = Number(m[2]);
  }
  return counts;
}
