import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { TsibleError } from "../errors.js";
import type { VaultIO } from "./io.js";

/**
 * Lets the user edit `content` with $EDITOR (default vi). The plaintext lives in a 0600 file inside a
 * private 0700 directory that is overwritten and removed afterwards, whatever happens. The file keeps
 * the original's name so the editor highlights it. An editor exiting non-zero (vim's `:cq`) aborts.
 */
export async function editInPrivateFile(content: Buffer, originalName: string, io: VaultIO): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "tsible-vault-"));
  const file = join(dir, basename(originalName) || "vault");
  try {
    const fd = openSync(file, "wx", 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    const [command, ...args] = splitShellWords((io.env ?? process.env).EDITOR || "vi");
    if (!command) throw new TsibleError("$EDITOR is empty", { kind: "usage" });
    const code = await run(command, [...args, file]);
    if (code !== 0) {
      throw new TsibleError(`the editor ${command} exited with ${code}; nothing was saved`, {
        kind: "usage",
      });
    }
    return readFileSync(file);
  } finally {
    shred(file);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(command: string, args: string[]): Promise<number> {
  const { spawn } = await import("node:child_process"); // loaded on first use: see connection/local.ts
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.on("error", (err) =>
      reject(
        new TsibleError(`cannot run the editor ${command}: ${err.message}`, {
          kind: "usage",
          hint: "set EDITOR to an installed editor",
        }),
      ),
    );
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Overwrites the plaintext before unlinking, like ansible-vault's shred fallback. */
function shred(file: string): void {
  try {
    const { size } = statSync(file);
    if (size > 0) writeFileSync(file, Buffer.alloc(size));
  } catch {
    // already gone
  }
}

/** Splits $EDITOR like a POSIX shell would (quotes and backslashes), as Ansible's shlex.split does. */
export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let started = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(word);
      word = "";
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (quote) throw new TsibleError(`unbalanced quote in $EDITOR: ${line}`, { kind: "usage" });
  if (started) words.push(word);
  return words;
}
