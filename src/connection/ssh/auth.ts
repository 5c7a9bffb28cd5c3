/** The authentication attempts for one connection, in OpenSSH's order: agent, key files, password. */

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import ssh2, { type AnyAuthMethod, type AuthenticationType, type ParsedKey } from "ssh2";

// ssh2 is CommonJS: Node's ESM loader gives only its default export
const { utils } = ssh2;

import { TsibleError } from "../../errors.js";
import { ENV_KEY_PASSPHRASE, type SshOptions } from "./options.js";

export interface AuthAttempt {
  /** Shown in "tried: ..." when everything fails. */
  label: string;
  /** The server-side method name, to skip what the server does not accept. */
  method: AuthenticationType;
  auth: AnyAuthMethod;
}

/** Decrypted keys, shared by all connections of the run: one passphrase prompt per key file. */
const keyCache = new Map<string, Promise<ParsedKey | undefined>>();

function isEncryptedError(err: Error): boolean {
  return /no passphrase given|encrypted/i.test(err.message);
}

async function loadKey(file: string, explicit: boolean, opts: SshOptions): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    if (!explicit) return undefined;
    throw new TsibleError(`cannot read private key ${file}: ${(err as Error).message}`, {
      kind: "connection",
      hint: "check ansible_ssh_private_key_file / --private-key",
    });
  }
  const plain = utils.parseKey(data);
  if (!(plain instanceof Error)) return plain;
  if (!isEncryptedError(plain)) {
    if (!explicit) return undefined;
    throw new TsibleError(`cannot use private key ${file}: ${plain.message}`, { kind: "connection" });
  }
  let passphrase = opts.passphrase ?? process.env[ENV_KEY_PASSPHRASE];
  if (passphrase === undefined && explicit && opts.askPassphrase) passphrase = await opts.askPassphrase(file);
  if (passphrase === undefined) {
    if (!explicit) return undefined;
    throw new TsibleError(`private key ${file} is encrypted and no passphrase was given`, {
      kind: "connection",
      hint: `set ${ENV_KEY_PASSPHRASE}, or load the key into ssh-agent (ssh-add ${file})`,
    });
  }
  const decrypted = utils.parseKey(data, passphrase);
  if (decrypted instanceof Error) {
    if (!explicit) return undefined;
    throw new TsibleError(`cannot decrypt private key ${file}: wrong passphrase?`, {
      kind: "connection",
      hint: `check ${ENV_KEY_PASSPHRASE} or the passphrase you typed`,
    });
  }
  return decrypted;
}

function cachedKey(file: string, explicit: boolean, opts: SshOptions): Promise<ParsedKey | undefined> {
  // Keyed by where the passphrase comes from too: a key decrypted with one is not usable without it.
  const given = opts.passphrase ?? process.env[ENV_KEY_PASSPHRASE];
  const source =
    given === undefined
      ? opts.askPassphrase
        ? "ask"
        : "none"
      : createHash("sha256").update(given).digest("hex");
  const cacheKey = `${explicit ? "!" : ""}${source}:${file}`;
  let pending = keyCache.get(cacheKey);
  if (!pending) {
    pending = loadKey(file, explicit, opts);
    keyCache.set(cacheKey, pending);
    pending.catch(() => keyCache.delete(cacheKey)); // a wrong passphrase may be retried
  }
  return pending;
}

/** Builds the attempts; throws only for keys the user named explicitly and that cannot be used. */
export async function authAttempts(opts: SshOptions): Promise<AuthAttempt[]> {
  const username = opts.user;
  const attempts: AuthAttempt[] = [];
  const agent = opts.agent === false ? undefined : (opts.agent ?? process.env.SSH_AUTH_SOCK);
  if (agent && existsSync(agent)) {
    attempts.push({
      label: "publickey (ssh-agent)",
      method: "publickey",
      auth: { type: "agent", username, agent },
    });
  }
  const files = [
    ...(opts.privateKeys ?? []).map((file) => ({ file, explicit: true })),
    ...(opts.defaultKeys ?? []).map((file) => ({ file, explicit: false })),
  ];
  for (const { file, explicit } of files) {
    const key = await cachedKey(file, explicit, opts);
    if (key)
      attempts.push({
        label: `publickey (${file})`,
        method: "publickey",
        auth: { type: "publickey", username, key },
      });
  }
  if (opts.password !== undefined) {
    const password = opts.password;
    attempts.push({ label: "password", method: "password", auth: { type: "password", username, password } });
    attempts.push({
      label: "keyboard-interactive",
      method: "keyboard-interactive",
      auth: {
        type: "keyboard-interactive",
        username,
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
      },
    });
  }
  return attempts;
}

/** An ssh2 authHandler walking `attempts`, recording what was tried and what the server offered. */
export function authWalker(attempts: readonly AuthAttempt[]) {
  const tried: string[] = [];
  let serverMethods: string[] | undefined;
  let next = 0;
  const handler = (
    methodsLeft: AuthenticationType[] | null,
    _partial: boolean | null,
    done: (a: unknown) => void,
  ) => {
    if (methodsLeft) serverMethods = methodsLeft;
    while (next < attempts.length) {
      const attempt = attempts[next++]!;
      if (methodsLeft && !methodsLeft.includes(attempt.method)) continue;
      tried.push(attempt.label);
      done(attempt.auth);
      return;
    }
    done(false);
  };
  return {
    handler,
    describeFailure(): string {
      const what = tried.length ? tried.join(", ") : "nothing (no agent, no usable key, no password)";
      const offered = serverMethods ? `; the server accepts: ${serverMethods.join(", ")}` : "";
      return `tried ${what}${offered}`;
    },
  };
}
