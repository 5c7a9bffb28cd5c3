import { posix } from "node:path";
import type { CheckOverlay } from "../../connection/check-overlay.js";
import { shellJoin, shq } from "../../connection/quote.js";
import type { ModuleContext } from "../types.js";

/**
 * Check mode reads through the overlay, but compose reads the host's disk: when earlier tasks would
 * have written the project's files, compose must see them as they would be. A staged copy is a
 * private temp folder on the host holding, below its `view` folder, the check-mode view of the
 * project folder (and of compose files named outside it) at the same paths: `<view>/opt/app` for
 * /opt/app. What the overlay changed there is written; everything else is a symlink to the host's
 * own entry, and so is everything beside the folders above them, so that `../x` reaches what it
 * reaches on the host. The copy is removed after use; nothing else on the host is touched.
 */
export interface StagedProject {
  /** The temp folder (mktemp -d, mode 0700). */
  readonly root: string;
  /** The staged "/": every staged path is the host's path with this in front. */
  readonly view: string;
  /** Writes a file of the module's own into the temp folder, beside `view` (umask 077: it may hold .env values). */
  write(name: string, content: string): Promise<string>;
  /** Removes the temp folder; runs even after the task was interrupted. */
  remove(): Promise<void>;
}

/** Whether check mode changed `path` or anything below it (or hid it by changing a folder above it). */
export function touchedInCheck(overlay: CheckOverlay, path: string): boolean {
  if (overlay.lookup(path) !== "host") return true;
  const below = `${path.replace(/\/+$/, "")}/`;
  return overlay.changes.some((c) => c.path === path || c.path.startsWith(below));
}

/** Stages the check-mode view of `paths` (absolute, links resolved) on the host. */
export async function stageProject(ctx: ModuleContext, paths: string[]): Promise<StagedProject> {
  const made = await ctx.exec(`mktemp -d "\${TMPDIR:-/tmp}/tsible-compose.XXXXXX"`);
  const root = made.stdout.trim();
  if (made.rc !== 0 || !root.startsWith("/"))
    throw new Error(`cannot create a temp folder for the check-mode compose files: ${made.stderr.trim()}`);
  const view = `${root}/view`;
  const staged: StagedProject = {
    root,
    view,
    async write(name, content) {
      const path = posix.join(root, name);
      await writePrivate(ctx, path, Buffer.from(content));
      return path;
    },
    async remove() {
      // a fresh signal: the temp folder goes even when the run was interrupted meanwhile
      const res = await ctx.exec(`rm -rf -- ${shq(root)}`, { signal: new AbortController().signal });
      if (res.rc !== 0) throw new Error(`cannot remove the temp folder ${root}: ${res.stderr.trim()}`);
    },
  };
  try {
    const mirror = new Mirror(ctx, view);
    await mirror.stage(paths);
    // the script goes through stdin: a line per entry beside the staged folders (a crowded /tmp
    // holds thousands) outgrows what one argument may hold (E2BIG at 128 KiB on Linux)
    const script = Buffer.from(`${["set -e", ...mirror.lines()].join("\n")}\n`);
    await mustRun(ctx, "sh -s", script, `stage ${paths.join(", ")}`);
    for (const [path, content] of mirror.contents) await writePrivate(ctx, path, content);
  } catch (err) {
    await staged.remove();
    throw err;
  }
  return staged;
}

/** The arguments of one `ln` of gathered links: far below what exec takes (ARG_MAX is 2 MiB). */
const LN_ARGS_BYTES = 32 * 1024;

/** Walks the check-mode view and lists what recreates it below the staged "/". */
class Mirror {
  private readonly script: string[] = [];
  readonly contents = new Map<string, Buffer>();
  private readonly mirrored = new Map<string, string[]>();

  constructor(
    private readonly ctx: ModuleContext,
    private readonly view: string,
  ) {}

  async stage(paths: string[]): Promise<void> {
    const targets = [...new Set(paths)];
    const above = new Set<string>();
    for (const path of targets)
      for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
        above.add(dir);
        if (dir === "/") break;
      }
    this.script.push(shellJoin(["mkdir", "--", this.view]));
    for (const dir of [...above].sort()) {
      if (dir !== "/") this.script.push(shellJoin(["mkdir", "--", this.view + dir]));
      // a folder this user cannot list only loses the links beside the staged paths
      const names = await this.ctx.files.readdir(dir).catch(() => []);
      for (const name of names) {
        const path = posix.join(dir, name);
        if (!above.has(path) && !targets.includes(path)) this.mirror(path);
      }
    }
    for (const path of targets) await this.copy(path);
  }

  /** One path's view: what check mode changed is written, the rest links to the host. */
  private async copy(path: string): Promise<void> {
    const files = this.ctx.files;
    if (!touchedInCheck(files.overlay, path)) {
      // unchanged: the host's own entry is what the view shows
      this.mirror(path);
      return;
    }
    const st = await files.stat(path, { follow: false });
    if (st?.type === "directory") {
      this.script.push(shellJoin(["mkdir", "--", this.view + path]));
      for (const name of await files.readdir(path)) await this.copy(posix.join(path, name));
    } else if (st?.type === "file") {
      this.contents.set(this.view + path, (await files.readFile(path)) ?? Buffer.alloc(0));
    } else if (st?.type === "link" && st.linkTarget !== undefined) {
      // resolved inside the staged "/", as on the host: staged paths in their copy, the rest on the host
      const target = st.linkTarget.startsWith("/") ? this.view + st.linkTarget : st.linkTarget;
      this.link(target, path);
    }
  }

  private link(target: string, path: string): void {
    this.script.push(shellJoin(["ln", "-s", "--", target, this.view + path]));
  }

  /** Links `path` at the same path in the view; gathered per folder, one `ln` for many. */
  private mirror(path: string): void {
    const folder = this.view + posix.dirname(path);
    const paths = this.mirrored.get(folder) ?? [];
    paths.push(path);
    this.mirrored.set(folder, paths);
  }

  /** The script: folders, files and odd links first, then the gathered links, some KiB per `ln`. */
  lines(): string[] {
    const out = [...this.script];
    for (const [folder, paths] of this.mirrored) {
      for (let i = 0; i < paths.length; ) {
        const batch: string[] = [];
        let size = 0;
        while (i < paths.length && (batch.length === 0 || size + paths[i]!.length < LN_ARGS_BYTES)) {
          size += paths[i]!.length + 1;
          batch.push(paths[i++]!);
        }
        out.push(shellJoin(["ln", "-s", "--", ...batch, `${folder}/`]));
      }
    }
    return out;
  }
}

/** Writes a file only its owner can read: staged files may hold .env values, which never go through argv. */
function writePrivate(ctx: ModuleContext, path: string, content: Buffer): Promise<void> {
  return mustRun(ctx, `umask 077 && cat > ${shq(path)}`, content, `write ${path}`);
}

async function mustRun(
  ctx: ModuleContext,
  script: string,
  stdin: Buffer | undefined,
  what: string,
): Promise<void> {
  const res = await ctx.exec(script, stdin === undefined ? {} : { stdin });
  if (res.rc !== 0) throw new Error(`${what} failed (rc ${res.rc}): ${res.stderr.trim()}`);
}
