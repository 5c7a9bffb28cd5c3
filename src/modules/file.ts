import { posix } from "node:path";
import type { AttributeWish, HostFiles } from "../connection/host-files.js";
import {
  aliased,
  booleanOption,
  fileAttributeOptions,
  ownerText,
  stringOption,
  toBool,
} from "./common/args.js";
import { attributeDiff } from "./common/diff.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { parseMode } from "./common/mode.js";
import { pathInfo } from "./common/path-info.js";
import { type PathState, pathState } from "./common/path-state.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

type FileState = "absent" | "directory" | "file" | "link" | "touch";

export interface FileArgs {
  path?: string;
  dest?: string;
  name?: string;
  state?: FileState;
  mode?: string | number;
  owner?: string | number;
  group?: string | number;
  recurse?: unknown;
  src?: string;
  force?: unknown;
  follow?: unknown;
}

const schema = {
  type: "object",
  properties: {
    path: stringOption("the path to manage"),
    dest: stringOption("alias of path"),
    name: stringOption("alias of path"),
    state: { enum: ["absent", "directory", "file", "link", "touch"] },
    ...fileAttributeOptions,
    recurse: booleanOption("with state=directory: set the attributes on everything below too"),
    src: stringOption("with state=link: what the link points to"),
    force: booleanOption("with state=link: replace a file or empty directory, or link to a missing target"),
    follow: booleanOption("set attributes on the target of a link rather than the link"),
  },
  anyOf: [{ required: ["path"] }, { required: ["dest"] }, { required: ["name"] }],
  additionalProperties: false,
};

/** The state and attributes Ansible's diff compares, built up as the module decides. */
interface Diff {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

function initialDiff(path: string, state: string, prev: PathState): Diff {
  const diff: Diff = { before: { path }, after: { path } };
  if (prev !== state) {
    diff.before.state = prev;
    diff.after.state = state;
  }
  return diff;
}

/** A state function's result: the module result fields and the attribute diff, rendered at the end. */
interface Outcome {
  changed: boolean;
  attributes?: Diff;
  [key: string]: unknown;
}

interface Job {
  ctx: ModuleContext;
  files: HostFiles;
  path: string;
  wish: AttributeWish;
  follow: boolean;
}

/** Applies the wished attributes to `path`, noting the differences in `diff`; true when something changed. */
async function setAttributes(
  job: Job,
  path: string,
  diff: Diff | undefined,
  follow = job.follow,
): Promise<boolean> {
  const change = await job.files.planAttributes(path, job.wish, { follow });
  if (!change.changed) return false;
  if (diff) {
    Object.assign(diff.before, change.before);
    Object.assign(diff.after, change.after);
  }
  await job.files.applyAttributes(change);
  return true;
}

async function ensureFile(job: Job): Promise<Outcome> {
  let path = job.path;
  let prev = await pathState(job.files, path);
  if (prev === "link" && job.follow) {
    path = await job.files.realpath(path);
    prev = await pathState(job.files, path);
  }
  if (prev !== "file")
    throw new ModuleFailure(`file (${path}) is ${prev}, cannot continue`, { path, state: prev });
  const diff = initialDiff(path, "file", prev);
  const changed = await setAttributes(job, path, diff);
  return { path, changed, attributes: diff };
}

async function ensureDirectory(job: Job, recurse: boolean): Promise<Outcome> {
  let path = job.path;
  let prev = await pathState(job.files, path);
  if (prev === "link" && job.follow) {
    path = await job.files.realpath(path);
    prev = await pathState(job.files, path);
  }
  const diff = initialDiff(path, "directory", prev);
  if (prev === "absent") {
    await job.files.mkdirp(path, job.wish);
    return { path, changed: true, attributes: diff };
  }
  if (prev !== "directory") throw new ModuleFailure(`${path} already exists as a ${prev}`, { path });
  let changed = await setAttributes(job, path, diff);
  if (recurse) changed = (await setAttributesBelow(job, path, new Set([path]))) || changed;
  return { path, changed, attributes: diff };
}

/** `recurse`: every entry below `dir`, and with `follow` the targets of links found there. */
async function setAttributesBelow(job: Job, dir: string, visited: Set<string>): Promise<boolean> {
  let changed = false;
  for (const name of (await job.files.readdir(dir)).sort()) {
    const path = posix.join(dir, name);
    const own = await job.files.stat(path, { follow: false });
    if (!own) continue;
    changed = (await setAttributes(job, path, undefined, false)) || changed;
    if (own.type === "directory") changed = (await setAttributesBelow(job, path, visited)) || changed;
    if (own.type === "link" && job.follow && own.linkTarget !== undefined) {
      const target = await job.files.realpath(path);
      const st = await job.files.stat(target);
      if (!st || visited.has(target)) continue;
      visited.add(target);
      if (st.type === "directory") changed = (await setAttributesBelow(job, target, visited)) || changed;
      changed = (await setAttributes(job, target, undefined, false)) || changed;
    }
  }
  return changed;
}

async function ensureLink(job: Job, givenSrc: string | undefined, force: boolean): Promise<Outcome> {
  const { files, path } = job;
  const prev = await pathState(files, path);
  const own = await files.stat(path, { follow: false });
  let src = givenSrc;
  if (src === undefined && job.follow && prev === "link" && (await files.stat(path))) src = own?.linkTarget;
  const base = prev === "directory" ? path : posix.dirname(path);
  const absoluteSrc = src === undefined ? undefined : posix.resolve(base, src);
  if (!force && absoluteSrc !== undefined && !(await files.stat(absoluteSrc))) {
    throw new ModuleFailure(
      `src file does not exist, use "force=yes" if you really want to create the link: ${absoluteSrc}`,
      { path, src },
    );
  }
  if (prev === "directory") {
    if (!force)
      throw new ModuleFailure(`refusing to convert from directory to symlink for ${path}`, { path });
    if ((await files.readdir(path)).length > 0)
      throw new ModuleFailure(`the directory ${path} is not empty, refusing to convert it`, { path });
  } else if (prev === "file" && !force) {
    throw new ModuleFailure(`refusing to convert from file to symlink for ${path}`, { path });
  }
  const diff = initialDiff(path, "link", prev);
  let changed = false;
  if (prev !== "link") {
    if (src === undefined) throw new ModuleFailure("src is required for creating new symlinks");
    changed = true;
  } else if (src !== undefined && own?.linkTarget !== src) {
    diff.before.src = own?.linkTarget;
    diff.after.src = src;
    changed = true;
  }
  if (changed && src !== undefined) await files.symlink(src, path);
  if (job.follow && !(await files.stat(path))) {
    // a dangling link has no target to set attributes on (Ansible warns and goes on)
  } else {
    changed = (await setAttributes(job, path, diff)) || changed;
  }
  return { dest: path, src, changed, attributes: diff };
}

async function touch(job: Job): Promise<Outcome> {
  const { files, path } = job;
  const prev = await pathState(files, path);
  if (prev === "absent") await files.writeFile(path, Buffer.alloc(0));
  else await files.touch(path);
  const diff = initialDiff(path, "touch", prev);
  await setAttributes(job, path, diff);
  // new times are a change every time, as in Ansible
  return { dest: path, changed: true, attributes: diff };
}

async function ensureAbsent(job: Job): Promise<Outcome> {
  const { files, path } = job;
  const prev = await pathState(files, path);
  if (prev === "absent") return { path, changed: false, state: "absent" };
  const diff = initialDiff(path, "absent", prev);
  if (prev === "directory" && job.ctx.diff) diff.before.path_content = await walk(files, path);
  await files.remove(path, { recursive: true });
  return { path, changed: true, attributes: diff, state: "absent" };
}

async function walk(files: HostFiles, root: string): Promise<{ directories: string[]; files: string[] }> {
  const out = { directories: [] as string[], files: [] as string[] };
  const visit = async (dir: string) => {
    for (const name of (await files.readdir(dir)).sort()) {
      const path = posix.join(dir, name);
      const st = await files.stat(path, { follow: false });
      if (st?.type === "directory") {
        out.directories.push(path);
        await visit(path);
      } else {
        out.files.push(path);
      }
    }
  };
  await visit(root);
  return out;
}

/** Ansible's `file`: directories, files, links, touch and removal, with mode/owner/group. */
export const fileModule: ModuleDefinition<FileArgs> = {
  name: "file",
  schema,
  run: (ctx, args) =>
    guarded(async () => {
      const path = posix.normalize(aliased<string>(args as Record<string, unknown>, "path", "dest", "name")!);
      const recurse = toBool(args.recurse, false);
      const prev = await pathState(ctx.files, path);
      const state: FileState = args.state ?? (prev !== "absent" ? prev : recurse ? "directory" : "file");
      if (recurse && state !== "directory")
        throw new ModuleFailure("recurse option requires state to be 'directory'", { path });
      if (args.src !== undefined && state !== "link")
        throw new ModuleFailure("src option requires state to be 'link' or 'hard'", { path });
      const job: Job = {
        ctx,
        files: ctx.files,
        path,
        follow: toBool(args.follow, true),
        wish: {
          ...(args.mode === undefined ? {} : { mode: parseMode(args.mode) }),
          ...(args.owner === undefined ? {} : { owner: ownerText(args.owner) }),
          ...(args.group === undefined ? {} : { group: ownerText(args.group) }),
        },
      };
      const result =
        state === "file"
          ? await ensureFile(job)
          : state === "directory"
            ? await ensureDirectory(job, recurse)
            : state === "link"
              ? await ensureLink(job, args.src, toBool(args.force, false))
              : state === "touch"
                ? await touch(job)
                : await ensureAbsent(job);
      return finish(ctx, result);
    }),
};

/** Adds the path's attributes (as Ansible's exit_json does) and renders the diff when asked for. */
async function finish(ctx: ModuleContext, outcome: Outcome): Promise<ModuleResult> {
  const { attributes, ...rest } = outcome;
  const target = (rest.path ?? rest.dest) as string;
  const out: ModuleResult = { ...rest, ...(await pathInfo(ctx.files, target)) };
  if (rest.state === "absent") out.state = "absent";
  if (ctx.diff && attributes) out.diff = attributeDiff(attributes.before, attributes.after);
  return out;
}
