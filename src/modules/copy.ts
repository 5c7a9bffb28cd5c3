import { posix } from "node:path";
import type { AttributeWish } from "../connection/host-files.js";
import {
  booleanOption,
  fileAttributeOptions,
  modeOption,
  ownerText,
  stringOption,
  toBool,
} from "./common/args.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { installFile, resolveFileDestination } from "./common/install-file.js";
import { parseMode } from "./common/mode.js";
import { sha1 } from "./common/path-info.js";
import { hostSource, localSource, type SourceEntry } from "./common/source-tree.js";
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface CopyArgs {
  src?: string;
  content?: unknown;
  dest: string;
  backup?: unknown;
  force?: unknown;
  validate?: string;
  directory_mode?: string | number;
  remote_src?: unknown;
  follow?: unknown;
  local_follow?: unknown;
  checksum?: string;
  decrypt?: unknown;
  mode?: string | number;
  owner?: string | number;
  group?: string | number;
}

/** The options copy and template share: where the file goes and how it is installed. */
export const installOptions = {
  dest: stringOption("where the file goes; a folder (or a path ending in /) receives the source's name"),
  backup: booleanOption("keep a timestamped copy of the file being replaced"),
  force: booleanOption("false: leave an existing destination alone"),
  validate: stringOption("command that checks the new content before it is installed; %s is its path"),
  follow: booleanOption("write through a link at dest rather than replacing the link"),
  ...fileAttributeOptions,
};

const schema = {
  type: "object",
  properties: {
    src: stringOption(
      "file or folder on the controller (files/ of the role), or on the host with remote_src",
    ),
    content: { description: "the file's content, instead of src" },
    directory_mode: modeOption,
    remote_src: booleanOption("src is on the host"),
    local_follow: booleanOption("accepted; links in the source are always followed"),
    checksum: stringOption("expected sha1 of src"),
    decrypt: booleanOption("accepted; vaulted sources are decrypted by the loader"),
    ...installOptions,
  },
  required: ["dest"],
  additionalProperties: false,
};

/** mode/owner/group as a wish for the file view; `preserveFrom` resolves mode=preserve. */
export function attributeWish(
  args: { mode?: string | number; owner?: unknown; group?: unknown },
  preserveFrom?: number,
): AttributeWish {
  const mode = args.mode === "preserve" ? preserveFrom : args.mode;
  return {
    ...(mode === undefined ? {} : { mode: parseMode(mode) }),
    ...(args.owner === undefined ? {} : { owner: ownerText(args.owner) }),
    ...(args.group === undefined ? {} : { group: ownerText(args.group) }),
  };
}

export interface InstallSettings {
  backup: boolean;
  force: boolean;
  follow: boolean;
  validate: string | undefined;
}

export function installSettings(args: {
  backup?: unknown;
  force?: unknown;
  follow?: unknown;
  validate?: string;
}): InstallSettings {
  return {
    backup: toBool(args.backup, false),
    force: toBool(args.force, true),
    follow: toBool(args.follow, false),
    validate: args.validate,
  };
}

/** Copies a whole source folder: its directories first, then each file, as Ansible's copy action does. */
async function copyTree(
  ctx: ModuleContext,
  args: CopyArgs,
  entries: SourceEntry[],
  directoryAttributes: AttributeWish,
): Promise<ModuleResult> {
  const dest = args.dest;
  const settings = installSettings(args);
  let changed = (await ctx.files.mkdirp(dest, directoryAttributes)).length > 0;
  const diffs: FileDiff[] = [];
  let last: ModuleResult | undefined;
  const files = entries.filter((e) => e.type === "file");
  for (const entry of entries) {
    const target = posix.join(dest, entry.rel);
    if (entry.type === "directory") {
      changed = (await ctx.files.mkdirp(target, directoryAttributes)).length > 0 || changed;
      continue;
    }
    changed = (await ctx.files.mkdirp(posix.dirname(target), directoryAttributes)).length > 0 || changed;
    last = await installFile(ctx, {
      dest: target,
      content: await entry.read(),
      source: posix.join(args.src ?? "", entry.rel),
      attributes: attributeWish(args, entry.mode),
      ...settings,
    });
    if (last.diff) diffs.push(...(Array.isArray(last.diff) ? last.diff : [last.diff]));
    changed = last.changed || changed;
  }
  if (files.length === 1 && last) return { ...last, changed };
  // Ansible reports a folder copy's dest with its trailing slash
  const shownDest = dest.endsWith("/") ? dest : `${dest}/`;
  return { changed, dest: shownDest, src: args.src, ...(diffs.length > 0 ? { diff: diffs } : {}) };
}

/** Ansible's `copy`: inline content, or a file or folder from the controller or the host. */
export const copyModule: ModuleDefinition<CopyArgs> = {
  name: "copy",
  schema,
  run: (ctx, args) =>
    guarded(async () => {
      const directoryAttributes: AttributeWish = {
        ...attributeWish({ owner: args.owner, group: args.group }),
        ...(args.directory_mode === undefined ? {} : { mode: parseMode(args.directory_mode) }),
      };
      if (args.src !== undefined && args.content !== undefined)
        throw new ModuleFailure("src and content are mutually exclusive");
      if (args.content !== undefined) {
        if (args.mode === "preserve") throw new ModuleFailure("mode=preserve is not supported with content");
        const content = typeof args.content === "string" ? args.content : JSON.stringify(args.content);
        const dest = await resolveFileDestination(ctx, args.dest, undefined, directoryAttributes);
        return installFile(ctx, {
          dest,
          content: Buffer.from(content, "utf8"),
          source: undefined,
          attributes: attributeWish(args),
          ...installSettings(args),
        });
      }
      if (args.src === undefined) throw new ModuleFailure("src (or content) is required");
      const remote = toBool(args.remote_src, false);
      const path = remote ? args.src : ctx.findLocal("files", args.src);
      const tree = remote ? await hostSource(ctx.files, path, args.src) : await localSource(path, args.src);
      if (tree.type === "directory") return copyTree(ctx, args, tree.entries, directoryAttributes);
      const content = await tree.file.read();
      if (args.checksum !== undefined && args.checksum !== sha1(content)) {
        throw new ModuleFailure("Copied file does not match the expected checksum. Transfer failed.", {
          checksum: sha1(content),
          expected_checksum: args.checksum,
        });
      }
      const dest = await resolveFileDestination(ctx, args.dest, tree.file.rel, directoryAttributes);
      return installFile(ctx, {
        dest,
        content,
        source: path,
        attributes: attributeWish(args, tree.file.mode),
        ...installSettings(args),
      });
    }),
};
