/** A Connection over one ssh2 client per host: bounded channels, one reused SFTP channel, become. */

import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { TsibleError } from "../../errors.js";
import { becomeFailure, stripBecomePrompt, wrapBecome } from "../become.js";
import { withCwdAndEnv } from "../quote.js";
import { markCommand, newMark, stopScript } from "../stop-marked.js";
import type { CommandStream, Connection, ExecOptions, ExecResult, FileTransport } from "../types.js";
import { ChannelLimit } from "./channel-limit.js";
import { connectWithJumps, NETWORK_REASONS } from "./connect.js";
import { type RawExecResult, runOnChannel } from "./exec-channel.js";
import {
  DEFAULT_KEEPALIVE_COUNT_MAX,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  describeTarget,
  type SshOptions,
} from "./options.js";
import { SftpFiles } from "./sftp-files.js";

export class SshConnection implements Connection {
  readonly kind = "ssh" as const;
  readonly host: string;
  readonly files: FileTransport;
  private readonly limit: ChannelLimit;
  private readonly stopLimit = new ChannelLimit(1);
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private lostError: TsibleError | undefined;
  private closing = false;

  constructor(
    private readonly client: Client,
    private readonly jumps: Client[],
    private readonly options: SshOptions,
  ) {
    this.host = options.name ?? options.host;
    this.limit = new ChannelLimit(options.maxChannels ?? 8);
    this.files = new SftpFiles({
      host: this.host,
      sftp: () => this.sftp(),
      exec: (command, opts) => this.exec(command, opts),
      lost: () => this.lostError,
    });
    const onGone = (why: string) => {
      if (this.closing || this.lostError) return;
      this.lostError = this.lost(why);
      this.limit.failAll(this.lostError);
    };
    client.on("error", (err: Error) => onGone(lostReason(err, options)));
    client.on("close", () => onGone("the connection closed"));
  }

  /** The connection-lost error (kind "connection"), for this and every later call. */
  private lost(why: string): TsibleError {
    return (
      this.lostError ??
      new TsibleError(`connection to ${this.host} (${describeTarget(this.options)}) lost: ${why}`, {
        kind: "connection",
      })
    );
  }

  private assertOpen(): void {
    if (this.lostError) throw this.lostError;
    if (this.closing) throw new TsibleError(`connection to ${this.host} is closed`, { kind: "connection" });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(command, opts);
    return { ...raw, stdout: raw.stdout.toString("utf8") };
  }

  /** Like exec, with stdout as bytes (file reads through the shell transport stay binary-safe). */
  async execRaw(command: string, opts: ExecOptions = {}): Promise<RawExecResult> {
    this.assertOpen();
    const mark = newMark();
    let full = markCommand(withCwdAndEnv(command, opts), mark);
    const become = opts.become ? wrapBecome(full, opts.become) : undefined;
    if (become) full = become.command;
    const stdin = typeof opts.stdin === "string" ? Buffer.from(opts.stdin) : opts.stdin;
    const input = become?.stdinPrefix
      ? Buffer.concat([Buffer.from(become.stdinPrefix), stdin ?? Buffer.alloc(0)])
      : stdin;
    const onStderr =
      become?.prompt && opts.onStderr
        ? (chunk: Buffer) => {
            const text = stripBecomePrompt(chunk.toString("utf8"), become.prompt);
            if (text) opts.onStderr?.(Buffer.from(text));
          }
        : opts.onStderr;
    const release = await this.limit.acquire(opts.signal);
    let result: RawExecResult;
    try {
      result = await runOnChannel(
        this.client,
        full,
        {
          ...(input ? { stdin: input } : {}),
          ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
          ...(onStderr ? { onStderr } : {}),
          stop: () => this.stopMarked(mark, opts.become),
        },
        this.host,
        (why) => this.lost(why),
      );
    } finally {
      release();
    }
    if (become && opts.become) {
      result.stderr = stripBecomePrompt(result.stderr, become.prompt);
      const failure = becomeFailure(result, opts.become, this.host);
      if (failure) throw failure;
    }
    return result;
  }

  /**
   * Opens a channel running `command` whose stdin/stdout the caller streams (rsync's protocol); stderr
   * is collected for `done`. Under become with a password, the password goes first, before the stream.
   */
  async openStream(
    command: string,
    opts: Pick<ExecOptions, "become" | "signal"> = {},
  ): Promise<CommandStream> {
    this.assertOpen();
    const become = opts.become ? wrapBecome(command, opts.become) : undefined;
    const release = await this.limit.acquire(opts.signal);
    let channel: ClientChannel;
    try {
      channel = await new Promise<ClientChannel>((resolve, reject) =>
        this.client.exec(become?.command ?? command, (err, stream) =>
          err ? reject(this.lost(`cannot open a channel: ${err.message}`)) : resolve(stream),
        ),
      );
    } catch (err) {
      release();
      throw err;
    }
    if (become?.stdinPrefix) channel.write(become.stdinPrefix);
    const errs: Buffer[] = [];
    let rc: number | undefined;
    channel.stderr.on("data", (chunk: Buffer) => errs.push(chunk));
    channel.on("exit", (code: number | null) => {
      rc = code ?? 255;
    });
    const done = new Promise<ExecResult>((resolve, reject) => {
      channel.once("close", () => {
        release();
        // no exit status: the connection went away under the command (as runOnChannel sees it)
        if (rc === undefined) return reject(this.lost("the command's channel closed without an exit status"));
        const result = {
          rc,
          stdout: "",
          stderr: stripBecomePrompt(Buffer.concat(errs).toString("utf8"), become?.prompt),
        };
        const failure = opts.become ? becomeFailure(result, opts.become, this.host) : undefined;
        if (failure) reject(failure);
        else resolve(result);
      });
    });
    return { stream: channel, done };
  }

  /**
   * Stops a command by its mark (see stop-marked.ts), as the user it ran as. Its own channel limit of
   * one keeps this usable when every regular channel belongs to a command being stopped.
   */
  private async stopMarked(mark: string, become: ExecOptions["become"]): Promise<void> {
    if (this.lostError) return;
    const wrapped = become ? wrapBecome(stopScript(mark), become) : undefined;
    const release = await this.stopLimit.acquire();
    try {
      await runOnChannel(
        this.client,
        wrapped?.command ?? stopScript(mark),
        { ...(wrapped?.stdinPrefix ? { stdin: Buffer.from(wrapped.stdinPrefix) } : {}), timeoutMs: 10_000 },
        this.host,
        (why) => this.lost(why),
      );
    } catch {
      // best effort: the connection may be going away too
    } finally {
      release();
    }
  }

  /** The one SFTP channel, opened on first use and reopened if the server closed it. */
  private sftp(): Promise<SFTPWrapper> {
    this.assertOpen();
    this.sftpChannel ??= this.openSftp();
    return this.sftpChannel;
  }

  private async openSftp(): Promise<SFTPWrapper> {
    const release = await this.limit.acquire();
    try {
      const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
        this.client.sftp((err, s) => (err ? reject(err) : resolve(s))),
      );
      sftp.once("close", () => {
        release();
        this.sftpChannel = undefined;
      });
      return sftp;
    } catch (err) {
      release();
      this.sftpChannel = undefined;
      throw this.lostError ?? this.lost(`cannot open the SFTP channel: ${(err as Error).message}`);
    }
  }

  /** Ends every channel and the connection (and its jump hosts). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.limit.failAll(new TsibleError(`connection to ${this.host} is closed`, { kind: "connection" }));
    const closed = new Promise<void>((resolve) => {
      if (this.lostError) resolve();
      else this.client.once("close", () => resolve());
    });
    this.client.end();
    for (const jump of this.jumps.reverse()) jump.end();
    // bounded wait for the server's close; the timer must not keep the process alive after it
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
  }
}

/** Why a connection went away, in words: a cut network shows as unanswered keepalives. */
function lostReason(err: Error & { code?: string; level?: string }, opts: SshOptions): string {
  if (err.level === "client-timeout" && /keepalive/i.test(err.message)) {
    const interval = (opts.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS) / 1000;
    const count = opts.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX;
    return `no answer to ${count} keepalives sent ${interval} s apart: the host or its network is down (ServerAliveInterval=${interval}, ServerAliveCountMax=${count})`;
  }
  return (err.code && NETWORK_REASONS[err.code]) || err.message;
}

/** Opens the connection to one host (through its jump hosts, if any). */
export async function openSsh(options: SshOptions): Promise<SshConnection> {
  const { client, jumps } = await connectWithJumps(options);
  return new SshConnection(client, jumps, options);
}
