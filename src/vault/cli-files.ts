import { TsibleError } from "../errors.js";
import type { VaultCommand } from "./cli-args.js";
import { encryptingSecret, openingKeyring, rekeySecret } from "./cli-passwords.js";
import { readInput, writeOutput } from "./files.js";
import { isVaultText } from "./format.js";
import type { VaultIO } from "./io.js";
import type { VaultKeyring } from "./keyring.js";
import { encryptText } from "./text.js";

/** A file's new content, computed for every file before any is written: one bad file writes none. */
interface Pending {
  target: string;
  data: Buffer | string;
}

export async function encryptFiles(command: VaultCommand, io: VaultIO): Promise<void> {
  const secret = await encryptingSecret(command, io);
  if (command.args.length === 0 && io.isTTY) io.stderr.write("Reading plaintext input from stdin\n");
  const pending: Pending[] = [];
  for (const input of inputsOf(command)) {
    const plaintext = await readInput(input, io);
    if (isVaultText(plaintext)) {
      throw new TsibleError(`${shown(input)} is already vault-encrypted`, {
        kind: "usage",
        hint: "use `tsible vault rekey` to change its password",
      });
    }
    pending.push({
      target: command.output ?? input,
      data: encryptText(plaintext, secret.password, secret.label),
    });
  }
  writeAll(pending, io);
  if (io.isTTY) io.stderr.write("Encryption successful\n");
}

export async function decryptFiles(command: VaultCommand, io: VaultIO): Promise<void> {
  const keyring = await openingKeyring(command, io);
  if (command.args.length === 0 && io.isTTY) io.stderr.write("Reading ciphertext input from stdin\n");
  const pending: Pending[] = [];
  for (const input of inputsOf(command)) {
    pending.push({ target: command.output ?? input, data: await openFile(input, keyring, io) });
  }
  writeAll(pending, io);
  if (io.isTTY) io.stderr.write("Decryption successful\n");
}

export async function viewFiles(command: VaultCommand, io: VaultIO): Promise<void> {
  const keyring = await openingKeyring(command, io);
  for (const input of command.args) io.stdout.write(await openFile(input, keyring, io));
}

export async function rekeyFiles(command: VaultCommand, io: VaultIO): Promise<void> {
  const keyring = await openingKeyring(command, io);
  const opened: Array<{ target: string; plaintext: Buffer }> = [];
  for (const input of command.args)
    opened.push({ target: input, plaintext: await openFile(input, keyring, io) });
  const secret = await rekeySecret(command, io);
  writeAll(
    opened.map(({ target, plaintext }) => ({
      target,
      data: encryptText(plaintext, secret.password, secret.label),
    })),
    io,
  );
  io.stderr.write("Rekey successful\n");
}

/** Reads and decrypts one input; errors name it. */
export async function openFile(input: string, keyring: VaultKeyring, io: VaultIO): Promise<Buffer> {
  const data = await readInput(input, io);
  if (!isVaultText(data)) {
    throw new TsibleError(`${shown(input)} is not vault-encrypted`, { kind: "vault" });
  }
  return keyring.open(data.toString("latin1"), shown(input)).plaintext;
}

function inputsOf(command: VaultCommand): string[] {
  return command.args.length > 0 ? command.args : ["-"];
}

function writeAll(pending: Pending[], io: VaultIO): void {
  for (const { target, data } of pending) writeOutput(target, data, io);
}

function shown(input: string): string {
  return input === "-" ? "stdin" : input;
}
