import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { CheckOverlay } from "../connection/check-overlay.js";
import { createHostFiles, type HostFiles } from "../connection/host-files.js";
import { becomeFiles } from "../connection/shell-files.js";
import type { BecomeSpec, Connection, ExecOptions } from "../connection/types.js";
import { TsibleError } from "../errors.js";
import type { TaskSpec } from "../load/model.js";
import { validateWithSchema } from "../load/schemas.js";
import type { ModuleContext, ModuleResult } from "../modules/types.js";
import { evaluate, evaluateCondition, renderTemplateFile } from "../vars/index.js";
import type { HostState } from "./host.js";
import type { PlayRun } from "./play-run.js";
import type { LayeredScope } from "./scope.js";

export interface CallSettings {
  check: boolean;
  diff: boolean;
  become: BecomeSpec | undefined;
  signal: AbortSignal;
  /** The task's `environment:`, exported for every command it runs. */
  environment: Record<string, string> | undefined;
}

/** Runs a task's module once on a host: builds the module's context, validates, calls `run`. */
export async function callModule(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  scope: LayeredScope,
  args: Record<string, unknown>,
  conn: Connection | undefined,
  settings: CallSettings,
): Promise<ModuleResult> {
  validateWithSchema(task.module.schema, args, `module ${task.module.name}`, task.location);
  const ctx = moduleContext(play, task, host, scope, conn, settings);
  return task.module.run(ctx, args);
}

function moduleContext(
  play: PlayRun,
  task: TaskSpec,
  host: HostState,
  scope: LayeredScope,
  conn: Connection | undefined,
  settings: CallSettings,
): ModuleContext {
  const needConn = (): Connection => {
    if (!conn) throw new TsibleError(`module ${task.module.name} has no connection`, { kind: "internal" });
    return conn;
  };
  const exec = (command: string, opts: Omit<ExecOptions, "become"> = {}) => {
    const c = needConn();
    const env = settings.environment || opts.env ? { ...settings.environment, ...opts.env } : undefined;
    return c.exec(command, {
      ...opts,
      ...(env ? { env } : {}),
      ...(settings.become ? { become: settings.become } : {}),
      signal: opts.signal ?? settings.signal,
    });
  };
  let files: HostFiles | undefined;
  const hostFiles = (): HostFiles => {
    const c = needConn();
    files ??= createHostFiles({
      transport: settings.become ? becomeFiles(c, settings.become) : c.files,
      exec,
      check: settings.check,
      overlay: overlayOf(host),
      // a task under become (or delegated elsewhere) runs as someone else: its own uid and umask
      accountsKey: `${c.host}\0${settings.become ? settings.become.user : ""}`,
    });
    return files;
  };
  const role = task.parent.role;
  return {
    host: host.name,
    get conn() {
      return needConn();
    },
    get files() {
      return hostFiles();
    },
    check: settings.check,
    verbosity: play.options.verbosity,
    diff: settings.diff,
    become: settings.become,
    signal: settings.signal,
    location: task.location,
    exec,
    evaluate: (expression) => evaluate(expression, scope, task.location),
    condition: (expression) => evaluateCondition(expression, scope, task.location),
    findLocal: (kind, path) => findLocal(play, role?.path, kind, path),
    renderTemplate: (localPath) => renderTemplateFile(localPath, readFileSync(localPath, "utf8"), scope),
    addSecret: (value) => play.run.secrets.add(value),
    progress: (message) =>
      play.run.emit({ type: "progress", host: host.name, message: play.run.secrets.mask(message) }),
  };
}

/** The host's check-mode overlay, created on first use and kept for the run. */
function overlayOf(host: HostState): CheckOverlay {
  if (!(host.overlay instanceof CheckOverlay)) host.overlay = new CheckOverlay();
  return host.overlay as CheckOverlay;
}

/** A file on the controller: the role's files/ or templates/, then the playbook's folder. */
export function findLocal(play: PlayRun, rolePath: string | undefined, kind: string, path: string): string {
  if (isAbsolute(path)) {
    if (existsSync(path)) return path;
    throw new TsibleError(`could not find '${path}'`, { kind: "module" });
  }
  const candidates: string[] = [];
  if (rolePath) candidates.push(join(rolePath, kind, path), join(rolePath, path));
  const dir = play.run.playbook.dir;
  candidates.push(join(dir, kind, path), join(dir, path));
  for (const c of candidates) if (existsSync(c)) return c;
  throw new TsibleError(`could not find '${path}'`, {
    kind: "module",
    hint: `looked in ${candidates.join(", ")}`,
  });
}
