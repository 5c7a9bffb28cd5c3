import { TsibleError } from "../errors.js";
import type { VaultCommand } from "./cli-args.js";
import { encryptingSecret } from "./cli-passwords.js";
import { writeOutput } from "./files.js";
import { prompt, readStdin, type VaultIO } from "./io.js";
import { encryptText } from "./text.js";

/** ansible-vault indents the envelope under `name: !vault |` by ten spaces. */
const INDENT = " ".repeat(10);

interface Plain {
  text: Buffer;
  from: string;
  name: string | undefined;
}

/** The YAML block ansible-vault prints for one encrypted string. */
export function formatVaultYaml(envelope: string, name?: string): string {
  const lines = [`${name ? `${name}: ` : ""}!vault |`];
  for (const line of envelope.split("\n")) if (line !== "") lines.push(INDENT + line);
  return lines.join("\n");
}

/**
 * `vault encrypt_string`: strings from arguments (paired with --name in order), from stdin (`-`, no
 * argument, or --stdin-name) or from a prompt; prints one `name: !vault |` block each. Unlike
 * ansible-vault, --prompt works without `-` and the output ends with a newline.
 */
export async function encryptStrings(command: VaultCommand, io: VaultIO): Promise<void> {
  const args = command.args.filter((a) => a !== "-");
  const fromStdin =
    command.args.includes("-") ||
    command.stdinName !== undefined ||
    (args.length === 0 && !command.promptForString);
  if (fromStdin && command.promptForString) {
    throw new TsibleError("--prompt cannot be used while also reading the string from stdin", {
      kind: "usage",
    });
  }
  const secret = await encryptingSecret(command, io);
  const plains: Plain[] = [];
  if (command.promptForString) plains.push(await promptedString(command, io));
  if (fromStdin) plains.push(await stdinString(command, io));
  plains.push(...argumentStrings(command, args, io));

  const several = plains.length > 1;
  const blocks = plains.map((plain, i) => {
    if (several) {
      const which = plain.name
        ? `variable ("${plain.name}", the string #${i + 1} from ${plain.from})`
        : `the string #${i + 1} from ${plain.from}`;
      io.stderr.write(`# The encrypted version of ${which}.\n`);
    }
    return formatVaultYaml(encryptText(plain.text, secret.password, secret.label), plain.name);
  });
  writeOutput(command.output ?? "-", `${blocks.join("\n")}\n`, io);
  if (io.isTTY) io.stderr.write("Encryption successful\n");
}

async function promptedString(command: VaultCommand, io: VaultIO): Promise<Plain> {
  const name = await prompt("Variable name (enter for no name): ", io, false);
  const hidden = !command.showInput;
  const text = await prompt(hidden ? "String to encrypt (hidden): " : "String to encrypt: ", io, hidden);
  if (text === "")
    throw new TsibleError("the string from the prompt was empty, not encrypting", { kind: "usage" });
  return { text: Buffer.from(text), from: "the interactive prompt", name: name || undefined };
}

async function stdinString(command: VaultCommand, io: VaultIO): Promise<Plain> {
  if (io.isTTY) {
    io.stderr.write(
      "Reading plaintext input from stdin. (ctrl-d to end input, twice if your content does not already have a newline)\n",
    );
  }
  const text = await readStdin(io);
  if (text.length === 0) throw new TsibleError("stdin was empty, not encrypting", { kind: "usage" });
  return { text, from: "stdin", name: command.stdinName };
}

function argumentStrings(command: VaultCommand, args: string[], io: VaultIO): Plain[] {
  if (args.length > command.names.length && command.names.length > 0) {
    // vague on purpose: never echo the plaintext
    io.stderr.write("The number of --name options do not match the number of args.\n");
    io.stderr.write(
      `The last named variable will be "${command.names.at(-1)}". The rest will not have names.\n`,
    );
  }
  return args.map((text, i) => {
    if (text === "") {
      throw new TsibleError("a string from the command line was empty, not encrypting", { kind: "usage" });
    }
    return { text: Buffer.from(text), from: "the command line args", name: command.names[i] };
  });
}
