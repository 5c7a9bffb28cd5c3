import type { ReadStream } from "node:tty";
import { TsibleError } from "../errors.js";

/** The streams a vault command talks through; `isTTY` means a person is at the keyboard. */
export interface VaultIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
  /** Defaults to process.env (EDITOR, TSIBLE_VAULT_PASSWORD_FILE, ...). */
  env?: NodeJS.ProcessEnv;
}

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const DELETE = 0x7f;

/**
 * Reads stdin in pieces that later reads can continue from: prompts take lines, then `-` inputs take
 * the rest. One reader per stream, so nothing a prompt buffered is lost.
 */
class StdinReader {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: NodeJS.ReadableStream) {
    stream.on("data", (chunk: Buffer | string) => {
      this.buffered = Buffer.concat([this.buffered, Buffer.from(chunk)]);
      this.notify();
    });
    stream.on("end", () => {
      this.ended = true;
      this.notify();
    });
    stream.on("error", (err: Error) => {
      this.failure = err;
      this.notify();
    });
    stream.pause();
  }

  /** Reads one line (without its line break); with `raw`, interprets a raw-mode terminal's keys. */
  async readLine(raw: boolean): Promise<string | undefined> {
    const line: number[] = [];
    for (;;) {
      while (this.buffered.length > 0) {
        const byte = this.buffered[0]!;
        this.buffered = this.buffered.subarray(1);
        if (byte === 0x0a || (raw && byte === 0x0d))
          return Buffer.from(line).toString("utf8").replace(/\r$/, "");
        if (raw && byte === CTRL_C)
          throw new TsibleError("interrupted at the password prompt", { kind: "usage" });
        if (raw && byte === CTRL_D) {
          if (line.length === 0) return undefined;
          return Buffer.from(line).toString("utf8");
        }
        if (raw && (byte === DELETE || byte === BACKSPACE)) {
          // drop one whole UTF-8 character: its continuation bytes, then its lead byte
          while (line.length > 0 && ((line.at(-1) ?? 0) & 0xc0) === 0x80) line.pop();
          line.pop();
          continue;
        }
        line.push(byte);
      }
      if (!(await this.more())) return line.length > 0 ? Buffer.from(line).toString("utf8") : undefined;
    }
  }

  /** Everything left until end of input. */
  async readAll(): Promise<Buffer> {
    while (await this.more()) {
      // keep reading
    }
    const all = this.buffered;
    this.buffered = Buffer.alloc(0);
    return all;
  }

  private async more(): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.ended) return false;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.stream.resume();
    });
    this.stream.pause();
    if (this.failure) throw this.failure;
    return true;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const readers = new WeakMap<NodeJS.ReadableStream, StdinReader>();

function readerOf(stream: NodeJS.ReadableStream): StdinReader {
  let reader = readers.get(stream);
  if (!reader) {
    reader = new StdinReader(stream);
    readers.set(stream, reader);
  }
  return reader;
}

/** Reads all of stdin (what is left after any prompts). */
export function readStdin(io: VaultIO): Promise<Buffer> {
  return readerOf(io.stdin).readAll();
}

/**
 * Asks for a line on stderr. `hidden` turns echo off on a terminal (raw mode); without a terminal
 * the answer is the next line of stdin, so scripts can pipe it in.
 */
export async function prompt(question: string, io: VaultIO, hidden: boolean): Promise<string> {
  const terminal = io.stdin as Partial<ReadStream>;
  const raw = hidden && io.isTTY && typeof terminal.setRawMode === "function";
  // raw mode before the question: keys typed as soon as it shows are neither echoed nor
  // taken by the terminal (a fast Ctrl-C would otherwise kill us instead of being read)
  if (raw) terminal.setRawMode!(true);
  io.stderr.write(question);
  let answer: string | undefined;
  try {
    answer = await readerOf(io.stdin).readLine(raw);
  } finally {
    if (raw) terminal.setRawMode!(false);
    if (raw || !io.isTTY) io.stderr.write("\n");
  }
  if (answer === undefined) {
    throw new TsibleError(`no answer to "${question.trim()}" (end of input)`, { kind: "usage" });
  }
  return answer;
}
