import { didYouMean, TsibleError } from "../errors.js";
import { parseVaultId } from "./passwords.js";

export const VAULT_ACTIONS = [
  "encrypt",
  "decrypt",
  "view",
  "edit",
  "create",
  "rekey",
  "encrypt_string",
] as const;
export type VaultAction = (typeof VAULT_ACTIONS)[number];

/** A parsed `tsible vault ACTION ...` command line. */
export interface VaultCommand {
  action: VaultAction;
  /** File names (or strings, for encrypt_string); `-` is stdin. */
  args: string[];
  vaultIds: string[];
  passwordFiles: string[];
  askVaultPass: boolean;
  output: string | undefined;
  encryptVaultId: string | undefined;
  newVaultPasswordFile: string | undefined;
  newVaultId: string | undefined;
  names: string[];
  stdinName: string | undefined;
  promptForString: boolean;
  showInput: boolean;
}

type Key = keyof VaultCommand;
interface OptionSpec {
  key: Key;
  value: boolean;
  /** Actions that accept it; all when absent. */
  only?: readonly VaultAction[];
}

const ENCRYPTING: readonly VaultAction[] = ["encrypt", "encrypt_string", "create", "edit", "rekey"];

/** ansible-vault's options, with its spellings and short forms. */
const OPTIONS: Record<string, OptionSpec> = {
  "--vault-id": { key: "vaultIds", value: true },
  "--vault-password-file": { key: "passwordFiles", value: true },
  "--vault-pass-file": { key: "passwordFiles", value: true },
  "--ask-vault-pass": { key: "askVaultPass", value: false },
  "--ask-vault-password": { key: "askVaultPass", value: false },
  "-J": { key: "askVaultPass", value: false },
  "--output": { key: "output", value: true, only: ["encrypt", "decrypt", "encrypt_string"] },
  "--encrypt-vault-id": { key: "encryptVaultId", value: true, only: ENCRYPTING },
  "--new-vault-password-file": { key: "newVaultPasswordFile", value: true, only: ["rekey"] },
  "--new-vault-id": { key: "newVaultId", value: true, only: ["rekey"] },
  "--name": { key: "names", value: true, only: ["encrypt_string"] },
  "-n": { key: "names", value: true, only: ["encrypt_string"] },
  "--stdin-name": { key: "stdinName", value: true, only: ["encrypt_string"] },
  "--prompt": { key: "promptForString", value: false, only: ["encrypt_string"] },
  "-p": { key: "promptForString", value: false, only: ["encrypt_string"] },
  "--show-input": { key: "showInput", value: false, only: ["encrypt_string"] },
};

/** Accepted for compatibility and ignored: verbosity. */
const IGNORED = new Set(["-v", "-vv", "-vvv", "-vvvv", "-vvvvv", "--verbose"]);

export const VAULT_USAGE = `usage: tsible vault ACTION [options] [FILE ...]

actions:
  encrypt FILE...         encrypt files in place (or stdin to stdout)
  decrypt FILE...         decrypt files in place (or stdin to stdout)
  view FILE...            print the decrypted content
  edit FILE...            decrypt into $EDITOR, re-encrypt when it changed
  create FILE             write a new encrypted file with $EDITOR
  rekey FILE...           encrypt again with a new password
  encrypt_string [STR...] print a \`name: !vault |\` block (stdin when no string or \`-\`)

options:
  --vault-id LABEL@SOURCE       a password (SOURCE: file, executable, or prompt); repeatable
  --vault-password-file FILE    a password file or an executable that prints it; repeatable
  -J, --ask-vault-pass          ask for the password
  --output FILE                 write here instead (- for stdout): encrypt, decrypt, encrypt_string
  --encrypt-vault-id LABEL      which password encrypts, when several are given
  --new-vault-password-file F   rekey: the new password
  --new-vault-id LABEL@SOURCE   rekey: the new password and its vault id
  -n, --name NAME               encrypt_string: the variable name (one per string)
  --stdin-name NAME             encrypt_string: the variable name for stdin
  -p, --prompt                  encrypt_string: ask for the string
  --show-input                  encrypt_string: echo the string while typing

environment: TSIBLE_VAULT_PASSWORD_FILE (or ANSIBLE_VAULT_PASSWORD_FILE), TSIBLE_VAULT_IDENTITY_LIST
`;

/** Parses the arguments after `vault`; returns undefined for --help. */
export function parseVaultArgs(argv: string[]): VaultCommand | undefined {
  const [action, ...rest] = argv;
  if (action === undefined || action === "-h" || action === "--help") return undefined;
  if (!isAction(action)) {
    const guess = didYouMean(action, VAULT_ACTIONS);
    throw new TsibleError(`unknown vault action '${action}'`, {
      kind: "usage",
      hint: guess ? `did you mean '${guess}'?` : `one of: ${VAULT_ACTIONS.join(", ")}`,
    });
  }
  const command: VaultCommand = {
    action,
    args: [],
    vaultIds: [],
    passwordFiles: [],
    askVaultPass: false,
    output: undefined,
    encryptVaultId: undefined,
    newVaultPasswordFile: undefined,
    newVaultId: undefined,
    names: [],
    stdinName: undefined,
    promptForString: false,
    showInput: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === "--") {
      command.args.push(...rest.slice(i + 1));
      break;
    }
    if (word === "-h" || word === "--help") return undefined;
    if (word === "-" || !word.startsWith("-")) {
      command.args.push(word);
      continue;
    }
    if (IGNORED.has(word)) continue;
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const spec = OPTIONS[flag];
    if (!spec) {
      const guess = didYouMean(flag, Object.keys(OPTIONS));
      throw new TsibleError(`unknown option ${flag} for 'vault ${action}'`, {
        kind: "usage",
        ...(guess ? { hint: `did you mean ${guess}?` } : {}),
      });
    }
    if (spec.only && !spec.only.includes(action)) {
      throw new TsibleError(`${flag} does not apply to 'vault ${action}'`, { kind: "usage" });
    }
    if (!spec.value) {
      if (eq > 0) throw new TsibleError(`${flag} takes no value`, { kind: "usage" });
      (command[spec.key] as boolean) = true;
      continue;
    }
    const value = eq > 0 ? word.slice(eq + 1) : rest[++i];
    if (value === undefined) throw new TsibleError(`${flag} needs a value`, { kind: "usage" });
    const slot = command[spec.key];
    if (Array.isArray(slot)) slot.push(value);
    else (command[spec.key] as string) = value;
  }
  return validate(command);
}

function validate(command: VaultCommand): VaultCommand {
  const ids = [...command.vaultIds, ...(command.newVaultId ? [command.newVaultId] : [])];
  // checked before any prompt, so a typo does not cost a password entry
  for (const id of ids) parseVaultId(id);
  if (command.output !== undefined && command.action !== "encrypt_string" && command.args.length > 1) {
    throw new TsibleError("at most one input file may be used with --output", { kind: "usage" });
  }
  if (command.newVaultId && command.newVaultPasswordFile) {
    throw new TsibleError("--new-vault-id and --new-vault-password-file cannot be used together", {
      kind: "usage",
    });
  }
  const needsFiles = ["view", "edit", "create", "rekey"].includes(command.action);
  if (needsFiles && command.args.length === 0) {
    throw new TsibleError(`'vault ${command.action}' needs at least one file name`, { kind: "usage" });
  }
  if (command.action === "create" && command.args.length !== 1) {
    throw new TsibleError("'vault create' takes exactly one file name", { kind: "usage" });
  }
  return command;
}

function isAction(word: string): word is VaultAction {
  return (VAULT_ACTIONS as readonly string[]).includes(word);
}
