import { posix } from "node:path";
import type { ModuleContext, ModuleResult } from "../types.js";
import { booleanOption, toBool } from "./args.js";
import { ModuleFailure } from "./failure.js";
import { shellQuote } from "./shell-words.js";

/** What command and shell share once the command line is built. */
export interface CommandRun {
  /** The line given to `sh -c` on the host. */
  line: string;
  /** The `cmd` result key: a word list (command) or the text (shell). */
  cmd: string[] | string;
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdinAddNewline?: unknown;
  stripEmptyEnds?: unknown;
}

/** The command-running options both modules take, as schema properties. */
export const commandOptions = {
  chdir: { type: "string", description: "change into this directory first" },
  creates: { type: "string", description: "a path (or glob): when it exists, the command is not run" },
  removes: {
    type: "string",
    description: "a path (or glob): when it does not exist, the command is not run",
  },
  stdin: { type: "string", description: "text sent to the command's standard input" },
  stdin_add_newline: booleanOption("end stdin with a newline"),
  strip_empty_ends: booleanOption("strip trailing newlines from stdout and stderr"),
};

/** The options of a command or shell task as they come in. */
export interface CommandOptionArgs {
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: unknown;
  strip_empty_ends?: unknown;
}

/** A CommandRun for `line` with the task's chdir/creates/removes/stdin options. */
export function commandRun(line: string, cmd: string[] | string, args: CommandOptionArgs): CommandRun {
  return {
    line,
    cmd,
    ...(args.chdir === undefined ? {} : { chdir: args.chdir }),
    ...(args.creates === undefined ? {} : { creates: args.creates }),
    ...(args.removes === undefined ? {} : { removes: args.removes }),
    ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
    stdinAddNewline: args.stdin_add_newline,
    stripEmptyEnds: args.strip_empty_ends,
  };
}

/** Python's `str(datetime)` of a time in microseconds since the epoch: microseconds only when there are some. */
function pythonDateTime(epochMicros: number): string {
  const date = new Date(Math.floor(epochMicros / 1000));
  const micros = epochMicros % 1_000_000;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
  return micros === 0 ? base : `${base}.${p(micros, 6)}`;
}

/** Python's `str(timedelta)` for a duration under a day: `0:00:00.003456`. */
function pythonDelta(totalMicros: number): string {
  const micros = totalMicros % 1_000_000;
  const seconds = Math.floor(totalMicros / 1_000_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${Math.floor(seconds / 3600)}:${p(Math.floor(seconds / 60) % 60)}:${p(seconds % 60)}`;
  return micros === 0 ? base : `${base}.${p(micros, 6)}`;
}

/** Python's `str.splitlines()` for the line lists Ansible adds to command results. */
export function splitOutputLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (/(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])$/.test(text)) lines.pop();
  return lines;
}

function withLines<T extends Record<string, unknown>>(
  result: T,
): T & { stdout_lines: string[]; stderr_lines: string[] } {
  return {
    ...result,
    stdout_lines: splitOutputLines(String(result.stdout ?? "")),
    stderr_lines: splitOutputLines(String(result.stderr ?? "")),
  };
}

/**
 * Whether a `creates`/`removes` path exists. A plain path is looked up through the host's file
 * view, so check mode sees what earlier tasks would have created; a glob is expanded by the host's
 * shell.
 */
async function pathExists(ctx: ModuleContext, pattern: string, chdir: string | undefined): Promise<boolean> {
  const path = chdir ? posix.resolve(chdir, pattern) : pattern;
  if (!/[*?[]/.test(path)) {
    if (path.startsWith("/")) return (await ctx.files.stat(path, { follow: false })) !== undefined;
    const res = await ctx.exec(`test -e ${shellQuote(path)} || test -L ${shellQuote(path)}`);
    return res.rc === 0;
  }
  // an unquoted glob that matched nothing stays as written, and then does not exist
  const words = path.replace(/[^A-Za-z0-9_*?[\]/.,:=+@%^!-]/g, (c) => (c === "'" ? `"'"` : `'${c}'`));
  const res = await ctx.exec(`for f in ${words}; do { [ -e "$f" ] || [ -L "$f" ]; } && exit 0; done; exit 1`);
  return res.rc === 0;
}

/**
 * Runs a command as Ansible's command module does: chdir, creates/removes, stdin, results with
 * rc/stdout/stderr/start/end/delta and their line lists; a non-zero rc fails the task. In check
 * mode a command is never run: with creates/removes the outcome is known exactly, otherwise the
 * task is skipped ("would have run").
 */
export async function runCommand(ctx: ModuleContext, run: CommandRun): Promise<ModuleResult> {
  const base = {
    cmd: run.cmd,
    stdout: "",
    stderr: "",
    rc: null as number | null,
    start: null,
    end: null,
    delta: null,
    msg: "",
  };
  if (run.chdir !== undefined) {
    const st = await ctx.files.stat(run.chdir);
    if (st?.type !== "directory") {
      // worded as Python's OSError, which is what Ansible users search for
      const reason = st ? "[Errno 20] Not a directory" : "[Errno 2] No such file or directory";
      throw new ModuleFailure(
        `Unable to change directory before execution: ${reason}: b'${run.chdir}'`,
        withLines(base),
      );
    }
  }
  const would = ctx.check ? "Would" : "Did";
  if (run.creates !== undefined && (await pathExists(ctx, run.creates, run.chdir))) {
    return withLines({
      ...base,
      changed: false,
      rc: 0,
      msg: `${would} not run command since '${run.creates}' exists`,
      stdout: `skipped, since ${run.creates} exists`,
    });
  }
  if (run.removes !== undefined && !(await pathExists(ctx, run.removes, run.chdir))) {
    return withLines({
      ...base,
      changed: false,
      rc: 0,
      msg: `${would} not run command since '${run.removes}' does not exist`,
      stdout: `skipped, since ${run.removes} does not exist`,
    });
  }
  if (ctx.check) {
    const predictable = run.creates !== undefined || run.removes !== undefined;
    return withLines({
      ...base,
      rc: 0,
      msg: "Command would have run if not in check mode",
      changed: predictable,
      ...(predictable ? {} : { skipped: true }),
    });
  }
  const line = run.chdir === undefined ? run.line : `cd ${shellQuote(run.chdir)} && ${run.line}`;
  const stdin =
    run.stdin === undefined ? undefined : toBool(run.stdinAddNewline, true) ? `${run.stdin}\n` : run.stdin;
  const startMs = Date.now();
  const startNs = process.hrtime.bigint();
  const res = await ctx.exec(line, stdin === undefined ? {} : { stdin });
  const elapsedMicros = Number((process.hrtime.bigint() - startNs) / 1000n);
  const strip = toBool(run.stripEmptyEnds, true);
  const result: ModuleResult = {
    ...base,
    changed: true,
    rc: res.rc,
    stdout: strip ? res.stdout.replace(/[\r\n]+$/, "") : res.stdout,
    stderr: strip ? res.stderr.replace(/[\r\n]+$/, "") : res.stderr,
    start: pythonDateTime(startMs * 1000),
    end: pythonDateTime(startMs * 1000 + elapsedMicros),
    delta: pythonDelta(elapsedMicros),
  };
  if (res.rc !== 0) return withLines({ ...result, failed: true, msg: "non-zero return code" });
  return withLines(result);
}
