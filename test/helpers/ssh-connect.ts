/** Opening tsible's SSH connection to a test sshd as one of the test users. */

import { openSsh, type SshConnection, type SshOptions } from "../../src/connection/ssh/index.js";
import type { Sshd } from "./sshd.js";

export function sshOptionsFor(sshd: Sshd, user = "root", extra: Partial<SshOptions> = {}): SshOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    user,
    privateKeys: [sshd.clientKey],
    agent: false,
    knownHostsFiles: [sshd.knownHosts],
    ...extra,
  };
}

export function connectTo(
  sshd: Sshd,
  user = "root",
  extra: Partial<SshOptions> = {},
): Promise<SshConnection> {
  return openSsh(sshOptionsFor(sshd, user, extra));
}
