import type { HostKeyChecking } from "../connection/ssh/index.js";
import { openSsh, resolveSshOptions } from "../connection/ssh/index.js";
import type { Connection } from "../connection/types.js";
import { TsibleError } from "../errors.js";
import type { ConnectDefaults } from "./connect.js";

const CHECKING: HostKeyChecking[] = ["yes", "accept-new"];

/** Opens an ssh2 connection from a host's Ansible variables, ~/.ssh/config and the CLI flags. */
export async function openHostSsh(
  host: string,
  vars: Record<string, unknown>,
  defaults: ConnectDefaults,
): Promise<Connection> {
  const strict = defaults.hostKeyChecking ?? process.env.TSIBLE_HOST_KEY_CHECKING;
  if (strict !== undefined && !CHECKING.includes(strict as HostKeyChecking)) {
    throw new TsibleError(`host key checking must be 'yes' or 'accept-new', not '${strict}'`, {
      kind: "usage",
      hint: "tsible never connects without verifying the host key",
    });
  }
  const resolved = resolveSshOptions(
    { ...vars, inventory_hostname: host },
    {
      ...(defaults.user ? { user: defaults.user } : {}),
      ...(defaults.privateKey ? { privateKey: defaults.privateKey } : {}),
      ...(strict ? { strictHostKeyChecking: strict as HostKeyChecking } : {}),
    },
  );
  return openSsh(resolved.options);
}
