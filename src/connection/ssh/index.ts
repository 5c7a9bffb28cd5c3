export { openSsh, SshConnection } from "./connection.js";
export { defaultKnownHostsFiles } from "./host-key-check.js";
export {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  knownHostsName,
  loadKnownHosts,
  parseKnownHosts,
} from "./known-hosts.js";
export { ENV_KEY_PASSPHRASE, type HostKeyChecking, type SshOptions } from "./options.js";
export { type ResolvedSsh, resolveSshOptions, type SshCliOptions } from "./resolve.js";
export {
  lookupSshConfig,
  parseSshConfig,
  readSshConfig,
  type SshConfig,
  type SshHostConfig,
} from "./ssh-config.js";
