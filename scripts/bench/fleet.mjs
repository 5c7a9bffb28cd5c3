/** The loopback fleet the benchmark runs against: sshds, an inventory, and fresh per-host folders. */

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Starts `count` sshds on 127.0.0.2 onwards with the test harness. */
export async function startFleet(harness, count) {
  return harness.startSshds(count, 2, { logLevel: "ERROR" });
}

export function uidOf(user) {
  return Number(execFileSync("id", ["-u", user]).toString().trim());
}

/**
 * Writes an inventory for the first `hosts` servers, each host with its own `base` folder under
 * `root/label` (owned by `user`, so the login user can write there). One file serves tsible and
 * Ansible: both read ansible_ssh_common_args for the known_hosts file.
 */
export function writeInventory(work, label, servers, user) {
  const uid = uidOf(user);
  const caseDir = join(work, label);
  mkdirSync(caseDir, { recursive: true });
  chmodSync(caseDir, 0o755);
  const lines = ["[bench]"];
  servers.forEach((sshd, i) => {
    const base = join(caseDir, `host${i + 1}`);
    mkdirSync(base, { recursive: true });
    chownSync(base, uid, uid);
    lines.push(
      `host${i + 1} ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${user} ` +
        `ansible_ssh_private_key_file=${sshd.clientKey} ` +
        `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts}' ` +
        `ansible_python_interpreter=/usr/bin/python3 base=${base}`,
    );
  });
  const file = join(caseDir, "inventory.ini");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
