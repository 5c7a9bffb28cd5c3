import { posix } from "node:path";
import type { AttributeWish, ModeWish } from "../../connection/host-files.js";
import type { FileDiff, ModuleContext, ModuleResult } from "../types.js";
import { backupFile } from "./backup.js";
import { contentDiff } from "./diff.js";
import { ModuleFailure } from "./failure.js";
import { pathInfo, sha1 } from "./path-info.js";
import { requirePlaceholder, validateContent } from "./validate.js";

/** What copy and template ask for one file. */
export interface InstallRequest {
  /** The file to write (a directory destination already resolved to the file inside it). */
  dest: string;
  content: Buffer;
  /** Shown as `src` in the result and as the diff's "after" header; none for inline content. */
  source: string | undefined;
  attributes: AttributeWish;
  backup: boolean;
  validate: string | undefined;
  /** false: an existing destination is left alone. */
  force: boolean;
  /** true: a link at `dest` is followed and its target written; false: the link is replaced. */
  follow: boolean;
}

/**
 * Installs content at a path the way Ansible's copy does: only when the content differs (or a link
 * is in the way), validated first, backed up on request, written atomically with its mode and
 * owner, then the attributes fixed even when the content was already right.
 */
export async function installFile(ctx: ModuleContext, req: InstallRequest): Promise<ModuleResult> {
  const { files } = ctx;
  let dest = req.dest;
  let own = await files.stat(dest, { follow: false });
  if (own?.type === "link" && req.follow && (await files.stat(dest))) {
    dest = await files.realpath(dest);
    own = await files.stat(dest, { follow: false });
  }
  const src = req.source === undefined ? {} : { src: req.source };
  if (own && !req.force) return { changed: false, msg: "file already exists", ...src, dest };
  if (own?.type === "directory") throw new ModuleFailure(`can not use content with a dir as dest: ${dest}`);
  if (!own) {
    const parent = await files.stat(posix.dirname(dest));
    if (parent?.type !== "directory")
      throw new ModuleFailure(`Destination directory ${posix.dirname(dest)} does not exist`, { dest });
  }
  if (req.validate !== undefined) requirePlaceholder(req.validate);

  const before = own?.type === "file" ? await files.readFile(dest) : undefined;
  const contentChanged = !before?.equals(req.content);
  const result: ModuleResult = { changed: false, dest, ...src, checksum: sha1(req.content) };
  const diffs: FileDiff[] = [];
  if (contentChanged) {
    if (ctx.diff)
      diffs.push(
        contentDiff(before ?? Buffer.alloc(0), req.content, {
          before: dest,
          after: req.source ?? "dynamically generated",
        }),
      );
    const { umask } = await files.identity();
    const mode = resolveMode(req.attributes.mode, own?.type === "file" ? own.mode : 0o666 & ~umask, umask);
    const owner = pick(req.attributes);
    if (req.validate !== undefined)
      await validateContent(ctx, req.validate, req.content, dest, { mode, ...owner });
    if (req.backup && own && !ctx.check) {
      const backup = await backupFile(files, dest);
      if (backup) result.backup_file = backup;
    }
    await files.writeFile(dest, req.content, { ...(mode === undefined ? {} : { mode }), ...owner });
    result.changed = true;
  }
  const attributes = await files.planAttributes(dest, req.attributes, { follow: false });
  if (attributes.changed) {
    await files.applyAttributes(attributes);
    result.changed = true;
  }
  if (diffs.length > 0) result.diff = diffs.length === 1 ? diffs[0]! : diffs;
  return { ...result, ...(await pathInfo(files, dest)) };
}

function resolveMode(wish: ModeWish | undefined, current: number, umask: number): number | undefined {
  if (wish === undefined) return undefined;
  return typeof wish === "number" ? wish : wish(current, false, umask);
}

function pick(attributes: AttributeWish): { owner?: string; group?: string } {
  return {
    ...(attributes.owner === undefined ? {} : { owner: attributes.owner }),
    ...(attributes.group === undefined ? {} : { group: attributes.group }),
  };
}

/**
 * Where a single file goes, as Ansible's copy action decides: `dest/` means "inside this folder"
 * (created when missing, with `directoryAttributes`), an existing directory gets the source's
 * basename, anything else is the file itself. `basename` is undefined for inline content.
 */
export async function resolveFileDestination(
  ctx: ModuleContext,
  dest: string,
  basename: string | undefined,
  directoryAttributes: AttributeWish,
): Promise<string> {
  const noContentInDir = () => new ModuleFailure("can not use content with a dir as dest");
  if (dest.endsWith("/")) {
    if (basename === undefined) throw noContentInDir();
    await ctx.files.mkdirp(dest, directoryAttributes);
    return posix.join(dest, basename);
  }
  const st = await ctx.files.stat(dest);
  if (st?.type === "directory") {
    if (basename === undefined) throw noContentInDir();
    return posix.join(dest, basename);
  }
  return dest;
}
