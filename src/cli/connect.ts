import { LocalConnection } from "../connection/local.js";
import type { Connection } from "../connection/types.js";

export interface ConnectDefaults {
  user?: string;
  privateKey?: string;
  hostKeyChecking?: string;
}

/** The `ansible_*` variables of a host, rendered: what connectHost reads. */
export function connectionVars(vars: {
  names(): string[];
  get(name: string): unknown;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of vars.names()) {
    if (name.startsWith("ansible_") && name !== "ansible_facts") out[name] = vars.get(name);
  }
  return out;
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
