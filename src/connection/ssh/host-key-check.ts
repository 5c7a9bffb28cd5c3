/** Verifying a server's host key against known_hosts, with OpenSSH's modes and messages. */

import { homedir } from "node:os";
import { TsibleError } from "../../errors.js";
import {
  appendKnownHost,
  checkHostKey,
  fingerprint,
  type KnownHostEntry,
  keyTypeOf,
  knownHostsName,
  loadKnownHosts,
  preferredHostKeyAlgorithms,
} from "./known-hosts.js";
import type { SshOptions } from "./options.js";

export function defaultKnownHostsFiles(): string[] {
  const home = homedir();
  return [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`, "/etc/ssh/ssh_known_hosts"];
}

function keyLabel(key: Buffer): string {
  const type = keyTypeOf(key);
  return type
    .replace(/^ssh-/, "")
    .replace(/^ecdsa-sha2-.*/, "ecdsa")
    .toUpperCase();
}

function at(entry: KnownHostEntry): string {
  return `${entry.file}:${entry.line}`;
}

export interface HostKeyPolicy {
  /** Host key algorithms to offer, known types first. */
  algorithms: string[];
  /** Returns an error for a key that must be refused (after recording it in accept-new mode). */
  verify(key: Buffer): Promise<TsibleError | undefined>;
}

export async function hostKeyPolicy(opts: SshOptions): Promise<HostKeyPolicy> {
  const mode = opts.strictHostKeyChecking ?? "yes";
  const files = opts.knownHostsFiles ?? defaultKnownHostsFiles();
  const name = knownHostsName(opts.host, opts.port);
  const entries = mode === "no" ? [] : await loadKnownHosts(files);
  const target = `${opts.host}:${opts.port}`;
  return {
    algorithms: preferredHostKeyAlgorithms(entries, name),
    async verify(key) {
      if (mode === "no") return undefined;
      const verdict = checkHostKey(entries, name, key);
      const print = `${keyLabel(key)} key ${fingerprint(key)}`;
      switch (verdict.status) {
        case "ok":
          return undefined;
        case "revoked":
          return new TsibleError(`the host key of ${target} (${print}) is REVOKED in ${at(verdict.entry)}`, {
            kind: "connection",
            hint: "a revoked key is never accepted; ask the host's administrator for a new one",
          });
        case "changed":
          return new TsibleError(
            `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${target}! It now presents ${print}, ` +
              `but ${at(verdict.entry)} holds a different ${keyLabel(verdict.entry.key)} key. ` +
              "Someone could be eavesdropping on you (a man-in-the-middle attack), or the host key was just changed.",
            {
              kind: "connection",
              hint: `if the change is expected, remove the old entry with: ssh-keygen -R '${name}' -f ${verdict.entry.file}`,
            },
          );
        case "unknown": {
          const first = files[0];
          if (mode === "accept-new" && first !== undefined) {
            await appendKnownHost(first, name, key);
            return undefined;
          }
          const notes: string[] = [];
          if (verdict.others.length) {
            notes.push(
              ` Keys of another type are known for it (${verdict.others.map((e) => `${e.keyType} at ${at(e)}`).join(", ")}).`,
            );
          }
          if (verdict.certAuthority) notes.push(" Host certificates (@cert-authority) are not supported.");
          const portFlag = opts.port === 22 ? "" : `-p ${opts.port} `;
          return new TsibleError(`the host key of ${target} is not known: ${print}.${notes.join("")}`, {
            kind: "connection",
            hint:
              `if you trust this fingerprint, record the key: ssh-keyscan ${portFlag}-t ${keyTypeOf(key)} ${opts.host} >> ${first ?? "~/.ssh/known_hosts"}` +
              " (compare with `ssh-keygen -lf` on the host), or accept new hosts on first contact with" +
              " StrictHostKeyChecking=accept-new (ansible_ssh_common_args: -o StrictHostKeyChecking=accept-new)",
          });
        }
      }
    },
  };
}
