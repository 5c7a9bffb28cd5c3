import { LocalConnection } from "../connection/local.js";
import type { Connection } from "../connection/types.js";

export interface ConnectDefaults {
  user?: string;
  privateKey?: string;
  hostKeyChecking?: string;
}

/** Opens a host's connection from its Ansible connection variables. */
export async function connectHost(
  host: string,
  vars: Record<string, unknown>,
  defaults: ConnectDefaults,
): Promise<Connection> {
  const kind = String(vars.ansible_connection ?? "ssh");
  if (kind === "local") return new LocalConnection(host);
  // ssh2 is loaded only when a remote host is used, so local runs start fast
  const { openHostSsh } = await import("./connect-ssh.js");
  return openHostSsh(host, vars, defaults);
}
