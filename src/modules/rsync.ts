import { resolve } from "node:path";
import { runLocal } from "../connection/local.js";
import { shellJoin, shq } from "../connection/quote.js";
import type { ExecResult } from "../connection/types.js";
import { guarded } from "./common/failure.js";
import { landedItems } from "./rsync/landed.js";
import { type RsyncArgs, rsyncFlags } from "./rsync/options.js";
import { ProgressReporter, parseItemized } from "./rsync/output.js";
import { startRelay } from "./rsync/relay.js";
import { spawnRsync } from "./rsync/spawn.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

/** The host word in rsync's `host:path`; the relay ignores it, the connection is already the host's. */
const REMOTE = "tsible";

const flag = { type: "boolean" };
const patterns = { type: "array", items: { type: "string", minLength: 1 } };

/**
 * Ansible's synchronize: rsync between the controller and a host (push or pull), or within the host
 * (`local: true`). Over SSH the transfer runs through tsible's own connection (see rsync/relay.ts), so
 * it uses the run's identity, verified host keys, jump hosts and become. `changed` and `changed_files`
 * come from rsync's itemized output (after a failure, only what stayed: rsync/landed.ts); check mode
 * is `--dry-run`.
 */
export const rsyncModule: ModuleDefinition<RsyncArgs> = {
  name: "rsync",
  aliases: ["synchronize"],
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["src", "dest"],
    properties: {
      src: { type: "string", minLength: 1 },
      dest: { type: "string", minLength: 1 },
      mode: { enum: ["push", "pull"] },
      local: flag,
      archive: flag,
      recursive: flag,
      links: flag,
      copy_links: flag,
      perms: flag,
      times: flag,
      owner: flag,
      group: flag,
      dirs: flag,
      checksum: flag,
      compress: flag,
      existing_only: flag,
      delete: flag,
      partial: flag,
      include: patterns,
      exclude: patterns,
      rsync_opts: { type: "array", items: { type: "string", pattern: "^-" } },
      rsync_timeout: { type: "integer", minimum: 0 },
      dest_port: { type: "integer", minimum: 0, maximum: 65535 },
    },
  },
  run: (ctx, args) => guarded(() => synchronize(ctx, args)),
};

async function synchronize(ctx: ModuleContext, args: RsyncArgs): Promise<ModuleResult> {
  const flags = rsyncFlags(args, ctx.check);
  const progress = new ProgressReporter((line) => ctx.progress(line));
  const onStdout = (chunk: Buffer) => progress.feed(chunk);
  const pull = args.mode === "pull";
  // controller-side paths keep a written trailing slash: for rsync it means "the folder's contents"
  const controllerPath = (path: string) =>
    withSlashOf(path, pull ? resolve(path) : ctx.findLocal("files", path));

  if (args.local || ctx.conn.kind === "local") {
    const src = args.local || pull ? args.src : controllerPath(args.src);
    const dest = args.local || !pull ? args.dest : controllerPath(args.dest);
    const argv = [...flags, "--", localArg(src), localArg(dest)];
    const result = await ctx.exec(`rsync ${shellJoin(argv)}`, { onStdout });
    const cleanup = await cleanUpAfter(ctx, args, result, (script) => ctx.exec(script), dest);
    return outcome(ctx, args, shellJoin(["rsync", ...argv]), result, undefined, cleanup);
  }

  const relay = await startRelay({ conn: ctx.conn, become: ctx.become, signal: ctx.signal });
  try {
    const [src, dest] = pull
      ? [`${REMOTE}:${args.src}`, controllerPath(args.dest)]
      : [controllerPath(args.src), `${REMOTE}:${args.dest}`];
    // the relay's --rsh comes after rsync_opts: rsync takes the last one, so it cannot be replaced
    const argv = [...flags, `--rsh=${relay.rsh}`, "--", src, dest];
    const local = await spawnRsync(argv, { env: relay.env, signal: ctx.signal, onStdout });
    const remote = await relay.finished();
    const result = withHostExitCode(local, remote);
    // the receiving side: the host on a push, the controller on a pull
    const cleanup = pull
      ? await cleanUpAfter(ctx, args, result, (script) => runLocal(script), dest)
      : await cleanUpAfter(ctx, args, result, (script) => ctx.exec(script), args.dest);
    return outcome(ctx, args, shellJoin(["rsync", ...argv]), result, remote, cleanup);
  } finally {
    await relay.close();
  }
}

/**
 * rsync learns how the host's side ended from its remote shell's exit code, as ssh passes it on. The
 * relay's shell exits 0, so files the host could not write (23) or found vanished (24) would pass
 * for a success: the host's code is taken here instead.
 */
function withHostExitCode(local: ExecResult, remote: ExecResult | undefined): ExecResult {
  return local.rc === 0 && remote !== undefined && remote.rc !== 0 ? { ...local, rc: remote.rc } : local;
}

/**
 * After a failed transfer, removes the `.~tmp~` folders that --delay-updates filled in the
 * destination (the files sent before the failure, one of them cut short), so the destination holds
 * its old content only. Not in check mode (nothing written), not with `partial` (kept on purpose for
 * the next run to resume from), not when interrupted. Returns why the cleanup failed, if it did.
 */
async function cleanUpAfter(
  ctx: ModuleContext,
  args: RsyncArgs,
  result: ExecResult,
  run: (script: string) => Promise<ExecResult>,
  dest: string,
): Promise<string | undefined> {
  if (result.rc === 0 || ctx.check || args.partial || ctx.signal.aborted) return undefined;
  const done = await run(delayDirCleanupScript(dest)).catch((err: Error) => ({ rc: 1, stderr: err.message }));
  return done.rc === 0 ? undefined : done.stderr.trim() || `exit code ${done.rc}`;
}

/** Where rsync's --delay-updates gathers new files before renaming them into place. */
const DELAY_DIR = ".~tmp~";

/** Removes DELAY_DIR below a folder destination, or beside a file destination. */
export function delayDirCleanupScript(dest: string): string {
  const d = shq(dest);
  return [
    `if [ -d ${d} ]; then find ${d} -type d -name ${shq(DELAY_DIR)} -prune -exec rm -rf -- {} +`,
    `else rm -rf -- "$(dirname -- ${d})/${DELAY_DIR}"; fi`,
  ].join("; ");
}

/** The result in Ansible's shape; `remote` is the host side's outcome when it ran through the relay. */
function outcome(
  ctx: ModuleContext,
  args: RsyncArgs,
  cmd: string,
  result: ExecResult,
  remote: ExecResult | undefined,
  cleanupError?: string,
): ModuleResult {
  const items = parseItemized(result.stdout);
  if (result.rc !== 0) {
    const why = [
      result.stderr.trim(),
      remote?.stderr.trim(),
      cleanupError && `(rsync's ${DELAY_DIR} folders could not be removed: ${cleanupError})`,
    ]
      .filter((t) => t)
      .join("\n");
    // rsync itemizes what it starts on: only what stayed after the failure is a change
    const landed = landedItems(items.lines, {
      rc: result.rc,
      stderr: [result.stderr, remote?.stderr].join("\n"),
      delayed: !args.rsync_opts?.includes("--no-delay-updates"),
    });
    return {
      changed: landed.length > 0,
      failed: true,
      rc: result.rc,
      cmd,
      msg: why || `rsync failed with exit code ${result.rc}`,
      stdout_lines: items.lines,
    };
  }
  const msg = items.lines.map((line) => `${line}\n`).join("");
  return {
    changed: items.lines.length > 0,
    rc: 0,
    cmd,
    msg,
    stdout_lines: items.lines,
    changed_files: items.files,
    // as Ansible: in diff mode the itemized list stands in for a diff
    ...(ctx.diff && items.lines.length > 0 ? { diff: { prepared: msg } } : {}),
  };
}

/** rsync reads `a:b` as host `a`; a relative local path with a colon gets a `./` in front. */
function localArg(path: string): string {
  return path.includes(":") && !path.startsWith("/") ? `./${path}` : path;
}

function withSlashOf(written: string, path: string): string {
  return written.endsWith("/") && !path.endsWith("/") ? `${path}/` : path;
}
