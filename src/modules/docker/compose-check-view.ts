import { normalizePath } from "../../connection/check-overlay.js";
import type { ExecResult } from "../../connection/types.js";
import type { ModuleContext, ModuleResult } from "../types.js";
import { type ComposeLocation, parseHashes } from "./compose-cli.js";
import { type StagedProject, stageProject, touchedInCheck } from "./compose-staging.js";

/** What the module's arguments say about where the project's files are. */
export interface ProjectFiles {
  project_src: string;
  files?: string[];
  env_files?: string[];
}

type RunCompose = (command: string[], at?: ComposeLocation) => Promise<ExecResult>;

/**
 * Check mode for a project whose files earlier tasks would have written (a fresh host's compose
 * file, a changed template or .env): compose evaluates a staged copy of the project folder as it
 * would be. Config hashes do not depend on where the folder is unless the configuration names paths
 * through it (relative bind mounts, build contexts); then compose's resolved configuration, with the
 * staged "/" taken off the front of every path, is hashed again. Should that fail, the prediction
 * cannot be exact: `inexact` says why, and the module predicts a change from the file change.
 */
export class CheckModeView {
  private constructor(
    private readonly staged: StagedProject,
    /** Where compose runs: in the staged copy of the project folder. */
    readonly location: ComposeLocation,
    /** Why the prediction comes from the file change rather than from compose; undefined when exact. */
    public inexact: string | undefined = undefined,
  ) {}

  /**
   * The view for this task: undefined when check mode changed none of the files compose is told
   * about (it reads the host as it is), or a failure when the project folder would not be there.
   */
  static async open(
    ctx: ModuleContext,
    args: ProjectFiles,
  ): Promise<CheckModeView | ModuleResult | undefined> {
    // a relative project_src is resolved by the host's shell: nothing in the overlay to compare it with
    if (!args.project_src.startsWith("/")) return undefined;
    const files = ctx.files;
    const project = await files.realpath(args.project_src);
    const prefixes = [...new Set([normalizePath(args.project_src), project])];
    const inside = (path: string) => prefixes.find((p) => path === p || path.startsWith(`${p}/`));
    const outside: string[] = [];
    for (const f of [...(args.files ?? []), ...(args.env_files ?? [])])
      if (f.startsWith("/") && !inside(normalizePath(f))) outside.push(await files.realpath(f));
    if (![project, ...outside].some((p) => touchedInCheck(files.overlay, p))) return undefined;

    const st = await files.stat(project);
    if (st?.type !== "directory")
      return {
        changed: false,
        failed: true,
        msg: `project_src ${args.project_src} would not be a folder once the earlier tasks of this check run are done`,
      };
    const staged = await stageProject(ctx, [project, ...outside]);
    // absolute paths go to the staged "/" (through the project's real path); relative ones resolve from the cwd
    const map = (path: string) => {
      if (!path.startsWith("/")) return path;
      const normal = normalizePath(path);
      const prefix = inside(normal);
      return staged.view + (prefix === undefined ? normal : project + normal.slice(prefix.length));
    };
    const location = {
      cwd: staged.view + project,
      files: (args.files ?? []).map(map),
      envFiles: (args.env_files ?? []).map(map),
    };
    return new CheckModeView(staged, location);
  }

  /**
   * The config hashes compose would compute in the project folder itself: `staged` when nothing in
   * the resolved configuration names the staged copy, else those of that configuration with the
   * host's paths put back. A failed `config` is returned as is.
   */
  async relocatedHashes(
    staged: Map<string, string>,
    run: RunCompose,
  ): Promise<Map<string, string> | ExecResult> {
    const full = await run(["config"]);
    if (full.rc !== 0) return full;
    if (!full.stdout.includes(this.staged.view)) return staged;
    const file = await this.staged.write("resolved.yml", this.unstaged(full.stdout));
    const again = await run(["config", "--hash=*"], { cwd: this.staged.root, files: [file], envFiles: [] });
    if (again.rc !== 0) {
      const why = this.unstaged(again.stderr.trim()).split("\n").pop();
      this.inexact ??= `compose could not hash its resolved configuration: ${why}`;
      return staged;
    }
    return parseHashes(again.stdout);
  }

  /** A command's output with the staged copy's paths shown as the host's. */
  hostPaths(result: ExecResult): ExecResult {
    return { ...result, stdout: this.unstaged(result.stdout), stderr: this.unstaged(result.stderr) };
  }

  /** Removes the staged copy from the host. */
  remove(): Promise<void> {
    return this.staged.remove();
  }

  /** `text` with the staged "/" taken off the front of every path. */
  private unstaged(text: string): string {
    const view = this.staged.view;
    return text.replaceAll(`${view}/`, "/").replaceAll(view, "/");
  }
}
