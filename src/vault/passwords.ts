import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, extname, resolve } from "node:path";
import { TsibleError } from "../errors.js";
import { checkVaultLabel, isVaultText } from "./format.js";
import { prompt, type VaultIO } from "./io.js";
import { DEFAULT_VAULT_ID, VaultKeyring } from "./keyring.js";
import type { SecretRegistry } from "./secrets.js";

/** Where vault passwords come from, as given on the command line. */
export interface VaultPasswordOptions {
  /** `--vault-id label@source` (source: a file, an executable, or `prompt`); may repeat. */
  vaultIds?: string[];
  /** `--vault-password-file FILE`; may repeat. */
  passwordFiles?: string[];
  /** `--ask-vault-pass`. */
  askVaultPass?: boolean;
  /** Prompt when nothing else gives a password (ansible-vault does; playbook runs do not). */
  autoPrompt?: boolean;
  /** Passwords for encrypting: prompts ask twice and compare. */
  newPassword?: boolean;
  /** Read TSIBLE_/ANSIBLE_VAULT_PASSWORD_FILE and _IDENTITY_LIST (on by default; off for rekey's new one). */
  useEnvironment?: boolean;
  /** Every password and decrypted value is registered here for masking. */
  registry?: SecretRegistry;
}

/** A parsed `label@source`; without `@` the label is "default", as in Ansible. */
export function parseVaultId(slug: string): { label: string; source: string } {
  const at = slug.indexOf("@");
  const parsed =
    at < 0
      ? { label: DEFAULT_VAULT_ID, source: slug }
      : { label: slug.slice(0, at), source: slug.slice(at + 1) };
  if (parsed.label === "") parsed.label = DEFAULT_VAULT_ID;
  checkVaultLabel(parsed.label);
  if (parsed.source === "") {
    throw new TsibleError(`--vault-id ${slug} names no password source`, {
      kind: "usage",
      hint: "write label@FILE, label@SCRIPT or label@prompt",
    });
  }
  return parsed;
}

/**
 * Builds the keyring from the options in Ansible's order: identities from the environment, each
 * `--vault-id`, each `--vault-password-file` then the environment's password file, then a prompt for
 * `--ask-vault-pass` (or when nothing else was given and `autoPrompt` is on).
 */
export async function loadVaultKeyring(options: VaultPasswordOptions, io: VaultIO): Promise<VaultKeyring> {
  const env = io.env ?? process.env;
  const useEnv = options.useEnvironment ?? true;
  const slugs = [...(useEnv ? identityListFrom(env) : []), ...(options.vaultIds ?? [])];
  const files = [...(options.passwordFiles ?? [])];
  const envFile = useEnv ? (env.TSIBLE_VAULT_PASSWORD_FILE ?? env.ANSIBLE_VAULT_PASSWORD_FILE) : undefined;
  if (envFile) files.push(envFile);
  for (const file of files) slugs.push(`${DEFAULT_VAULT_ID}@${file}`);
  if (options.askVaultPass || (slugs.length === 0 && options.autoPrompt)) {
    slugs.push(`${DEFAULT_VAULT_ID}@prompt_ask_vault_pass`);
  }

  const keyring = new VaultKeyring(options.registry);
  for (const slug of slugs) {
    const { label, source } = parseVaultId(slug);
    if (source === "prompt" || source === "prompt_ask_vault_pass") {
      const password = await askPassword(label, source === "prompt", options.newPassword ?? false, io);
      keyring.add(label, password, "prompt");
    } else {
      const path = expandHome(source, env);
      keyring.add(label, await readPasswordSource(path, label, keyring, io), path);
    }
  }
  return keyring;
}

function identityListFrom(env: NodeJS.ProcessEnv): string[] {
  const list = env.TSIBLE_VAULT_IDENTITY_LIST ?? env.ANSIBLE_VAULT_IDENTITY_LIST ?? "";
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Ansible's prompts, word for word: tools that drive it (expect scripts, AWX) match on them. */
async function askPassword(label: string, withLabel: boolean, twice: boolean, io: VaultIO): Promise<string> {
  const questions = withLabel
    ? twice
      ? [`New vault password (${label}): `, `Confirm new vault password (${label}): `]
      : [`Vault password (${label}): `]
    : twice
      ? ["New Vault password: ", "Confirm New Vault password: "]
      : ["Vault password: "];
  const answers: string[] = [];
  for (const question of questions) answers.push((await prompt(question, io, true)).trim());
  if (!answers[0]) throw new TsibleError("the vault password may not be empty", { kind: "usage" });
  if (answers.some((a) => a !== answers[0]))
    throw new TsibleError("the passwords do not match", { kind: "usage" });
  return answers[0];
}

/**
 * Reads a password file (its whole content, trimmed, as Ansible does: for the usual file that is its
 * first line) or runs an executable one and takes its stdout. Scripts named `*-client` get
 * `--vault-id LABEL`. A password file may itself be vault-encrypted with a password given before it.
 */
async function readPasswordSource(
  path: string,
  label: string,
  keyring: VaultKeyring,
  io: VaultIO,
): Promise<Buffer> {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new TsibleError(`the vault password file ${path} was not found`, { kind: "usage" });
  }
  if (!isFile)
    throw new TsibleError(`the vault password file ${path} is not a regular file`, { kind: "usage" });

  let password: Buffer;
  if (isExecutable(path)) {
    password = trimBytes(await runPasswordScript(path, label, io), "\r\n");
  } else {
    let content: Buffer;
    try {
      content = readFileSync(path);
    } catch (err) {
      throw new TsibleError(
        `cannot read the vault password file ${path}: ${(err as NodeJS.ErrnoException).code}`,
        {
          kind: "usage",
        },
      );
    }
    if (isVaultText(content)) content = keyring.open(content.toString("latin1"), path).plaintext;
    password = trimBytes(content, " \t\r\n\v\f");
  }
  if (password.length === 0) {
    throw new TsibleError(`the vault password from ${path} is empty`, {
      kind: "usage",
      hint: "an executable password file must print the password on stdout",
    });
  }
  return password;
}

async function runPasswordScript(path: string, label: string, io: VaultIO): Promise<Buffer> {
  const { spawn } = await import("node:child_process"); // loaded on first use: see connection/local.ts
  const stem = basename(path, extname(path));
  const isClient = stem.endsWith("-client");
  const args = isClient ? ["--vault-id", label] : [];
  return new Promise((resolvePromise, reject) => {
    // stdin stays with the person at the terminal, so a script may prompt; never a pipe it could drain
    const child = spawn(path, args, { stdio: [io.isTTY ? "inherit" : "ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    // a plain script may prompt on stderr, so it goes to the user; a client's stderr explains failures
    child.stderr.on("data", (chunk: Buffer) => (isClient ? err.push(chunk) : io.stderr.write(chunk)));
    child.on("error", (e) =>
      reject(
        new TsibleError(`cannot run the vault password script ${path}: ${e.message}`, {
          kind: "usage",
          hint: "if it is not a script, remove its executable bit",
        }),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) return resolvePromise(Buffer.concat(out));
      const stderr = Buffer.concat(err).toString("utf8").trim();
      const why =
        isClient && code === 2 ? `found no password for vault id '${label}'` : `exited with ${code}`;
      reject(
        new TsibleError(`the vault password script ${path} ${why}${stderr ? `: ${stderr}` : ""}`, {
          kind: "usage",
        }),
      );
    });
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function trimBytes(bytes: Buffer, chars: string): Buffer {
  const set = new Set([...chars].map((c) => c.charCodeAt(0)));
  let start = 0;
  let end = bytes.length;
  while (start < end && set.has(bytes[start]!)) start++;
  while (end > start && set.has(bytes[end - 1]!)) end--;
  return bytes.subarray(start, end);
}

function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === "~" || path.startsWith("~/")) return resolve(env.HOME ?? homedir(), path.slice(2));
  return resolve(path);
}
