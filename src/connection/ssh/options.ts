/** Everything needed to open one SSH connection (after inventory vars and ~/.ssh/config are resolved). */

export type HostKeyChecking = "yes" | "accept-new" | "no";

export interface SshOptions {
  /** The address or DNS name to connect to (HostName). */
  host: string;
  port: number;
  user: string;
  /** Name used in messages (the inventory hostname); defaults to host. */
  name?: string;
  /** Private key files the user asked for: an unreadable one is an error. */
  privateKeys?: string[];
  /** Default key files (~/.ssh/id_*): tried when present and usable, silently skipped otherwise. */
  defaultKeys?: string[];
  /** Passphrase for encrypted keys; otherwise TSIBLE_SSH_KEY_PASSPHRASE, then askPassphrase. */
  passphrase?: string;
  askPassphrase?: (keyFile: string) => Promise<string>;
  /** ssh-agent socket; defaults to SSH_AUTH_SOCK; false disables the agent. */
  agent?: string | false;
  /** Password authentication (ansible_password). */
  password?: string;
  /** TCP connect plus handshake and authentication, 10 s by default. */
  connectTimeoutMs?: number;
  /**
   * A keepalive every this many ms while connected (ServerAliveInterval; 15 s by default, 0: none);
   * after keepaliveCountMax of them go unanswered (ServerAliveCountMax, 3 by default) the connection
   * counts as lost: a host whose network is cut is UNREACHABLE after about interval × (count + 1).
   */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Hosts to hop through, first one connected directly (ProxyJump). */
  jump?: SshOptions[];
  /** known_hosts files to check; the first is where accept-new records keys. */
  knownHostsFiles?: string[];
  strictHostKeyChecking?: HostKeyChecking;
  /** Channels open at once (OpenSSH's MaxSessions defaults to 10); 8 by default. */
  maxChannels?: number;
}

export const ENV_KEY_PASSPHRASE = "TSIBLE_SSH_KEY_PASSPHRASE";

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;

export function describeTarget(opts: SshOptions): string {
  return `${opts.user}@${opts.host}:${opts.port}`;
}
