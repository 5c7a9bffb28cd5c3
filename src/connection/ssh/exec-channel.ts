/** Running one command on an exec channel: stdin, streaming, exit code or signal, timeout, abort. */

import { constants } from "node:os";
import type { Client, ClientChannel } from "ssh2";
import { TsibleError } from "../../errors.js";
import type { ExecResult } from "../types.js";

export interface ChannelRun {
  stdin?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Stops the command on the host (closing its channel does not); called on abort and timeout. */
  stop?: () => Promise<void>;
}

export interface RawExecResult extends Omit<ExecResult, "stdout"> {
  stdout: Buffer;
}

function signalNumber(name: string): number {
  return (constants.signals as Record<string, number>)[name] ?? 0;
}

/**
 * Runs `command` and resolves with its result. Rejects on timeout or abort (after killing the remote
 * side) and with `lostError()` when the channel closes without an exit status.
 */
export function runOnChannel(
  client: Client,
  command: string,
  run: ChannelRun,
  host: string,
  lostError: (why: string) => TsibleError,
): Promise<RawExecResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let channel: ClientChannel | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: { ok: RawExecResult } | { err: unknown }) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      run.signal?.removeEventListener("abort", onAbort);
      if ("ok" in outcome) resolve(outcome.ok);
      else reject(outcome.err);
    };
    const kill = async () => {
      channel?.close();
      await run.stop?.();
    };
    let aborting = false;
    const onAbort = () => {
      aborting = true;
      run.signal?.removeEventListener("abort", onAbort);
      // the caller learns of the abort once the command is gone, so a close after it is safe
      void kill().then(() => finish({ err: run.signal?.reason ?? new Error("aborted") }));
    };
    if (run.signal?.aborted) return onAbort();
    run.signal?.addEventListener("abort", onAbort, { once: true });
    if (run.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        void kill();
        finish({
          err: new TsibleError(`command timed out after ${run.timeoutMs} ms on ${host}`, {
            kind: "module",
            hint: "raise the task's timeout, or check why the command hangs",
          }),
        });
      }, run.timeoutMs);
    }
    client.exec(command, (err, stream) => {
      if (err) return finish({ err: lostError(`cannot open a channel: ${err.message}`) });
      channel = stream;
      if (settled) return void kill();
      const out: Buffer[] = [];
      const errs: Buffer[] = [];
      let exit: { rc: number; signal?: string } | undefined;
      stream.on("data", (chunk: Buffer) => {
        out.push(chunk);
        run.onStdout?.(chunk);
      });
      stream.stderr.on("data", (chunk: Buffer) => {
        errs.push(chunk);
        run.onStderr?.(chunk);
      });
      stream.on("exit", (code: number | null, signalName?: string) => {
        if (code !== null && code !== undefined) exit = { rc: code };
        else if (signalName) {
          const signal = signalName.startsWith("SIG") ? signalName : `SIG${signalName}`;
          exit = { rc: 128 + signalNumber(signal), signal };
        }
      });
      stream.on("error", (e: Error) => aborting || finish({ err: lostError(e.message) }));
      stream.on("close", () => {
        if (aborting) return;
        if (!exit) return finish({ err: lostError("the command's channel closed without an exit status") });
        const stderr = Buffer.concat(errs).toString("utf8");
        finish({ ok: { ...exit, stdout: Buffer.concat(out), stderr } });
      });
      stream.end(run.stdin && run.stdin.length > 0 ? run.stdin : undefined);
    });
  });
}
