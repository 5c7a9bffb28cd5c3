/** Opening tsible's SSH connection to a test sshd as one of the test users. */

import { openSsh, type SshConnection, type SshOptions } from "../../src/connection/ssh/index.js";
import { isTsibleError, type TsibleError } from "../../src/errors.js";
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

/** The TsibleError a promise rejects with; fails the test when it resolves or throws something else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<TsibleError> {
  try {
    await promise;
  } catch (err) {
    if (isTsibleError(err)) return err;
    throw err;
  }
  throw new Error("expected a failure");
}
