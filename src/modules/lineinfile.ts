import { posix } from "node:path";
import { aliased, booleanOption, fileAttributeOptions, stringOption, toBool } from "./common/args.js";
import { backupFile } from "./common/backup.js";
import { attributeDiff } from "./common/diff.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { ensureLineAbsent, ensureLinePresent, type LineEdit, splitLines } from "./common/line-edit.js";
import { validateContent } from "./common/validate.js";
import { attributeWish } from "./copy.js";
import type { FileDiff, ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface LineinfileArgs {
  path?: string;
  dest?: string;
  destfile?: string;
  name?: string;
  state?: "present" | "absent";
  regexp?: string;
  regex?: string;
  search_string?: string;
  line?: string;
  value?: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs?: unknown;
  create?: unknown;
  backup?: unknown;
  firstmatch?: unknown;
  validate?: string;
  mode?: string | number;
  owner?: string | number;
  group?: string | number;
}

const schema = {
  type: "object",
  properties: {
    path: stringOption("the file to edit"),
    dest: stringOption("alias of path"),
    destfile: stringOption("alias of path"),
    name: stringOption("alias of path"),
    state: { enum: ["present", "absent"] },
    regexp: stringOption("Python regular expression; the last matching line is replaced (or removed)"),
    regex: stringOption("alias of regexp"),
    search_string: stringOption("literal text; the last line containing it is replaced (or removed)"),
    line: stringOption("the line to put in the file"),
    value: stringOption("alias of line"),
    insertafter: stringOption("EOF, BOF or a regular expression"),
    insertbefore: stringOption("BOF or a regular expression"),
    backrefs: booleanOption("expand \\1 in line from the regexp match; no match leaves the file alone"),
    create: booleanOption("create the file when it does not exist"),
    backup: booleanOption("keep a timestamped copy of the file being changed"),
    firstmatch: booleanOption("use the first matching line instead of the last"),
    validate: stringOption("command that checks the new content before it is installed; %s is its path"),
    ...fileAttributeOptions,
  },
  anyOf: [{ required: ["path"] }, { required: ["dest"] }, { required: ["destfile"] }, { required: ["name"] }],
  additionalProperties: false,
};

const exclusive: [keyof LineinfileArgs, keyof LineinfileArgs][] = [
  ["insertbefore", "insertafter"],
  ["regexp", "search_string"],
  ["backrefs", "search_string"],
];

/** Text as it was read: UTF-8 when valid, otherwise byte for byte (latin1), so writing it back is exact. */
function decode(data: Buffer): { text: string; encoding: BufferEncoding } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(data), encoding: "utf8" };
  } catch {
    return { text: data.toString("latin1"), encoding: "latin1" };
  }
}

/** Ansible's `lineinfile`: make sure one line is in a file (or is not), with Ansible's matching rules. */
export const lineinfileModule: ModuleDefinition<LineinfileArgs> = {
  name: "lineinfile",
  schema,
  run: (ctx, args) =>
    guarded(async () => {
      const path = aliased<string>(args as Record<string, unknown>, "path", "dest", "destfile", "name")!;
      for (const [a, b] of exclusive) {
        if (args[a] !== undefined && args[b] !== undefined)
          throw new ModuleFailure(`parameters are mutually exclusive: ${a}|${b}`);
      }
      const regexp = args.regexp ?? args.regex;
      const line = args.line ?? args.value;
      const present = (args.state ?? "present") === "present";
      const st = await ctx.files.stat(path);
      if (st?.type === "directory") throw new ModuleFailure(`Path ${path} is a directory !`, { rc: 256 });

      if (present) {
        if (toBool(args.backrefs, false) && regexp === undefined)
          throw new ModuleFailure("regexp is required with backrefs=true");
        if (line === undefined) throw new ModuleFailure("line is required with state=present");
        if (!st && !toBool(args.create, false))
          throw new ModuleFailure(`Destination ${path} does not exist !`, { rc: 257 });
      } else {
        if (regexp === undefined && args.search_string === undefined && line === undefined)
          throw new ModuleFailure("one of line, search_string, or regexp is required with state=absent");
        if (!st) return { changed: false, msg: "file not present" };
      }

      const data = st ? ((await ctx.files.readFile(path)) ?? Buffer.alloc(0)) : Buffer.alloc(0);
      const { text, encoding } = decode(data);
      const before = splitLines(text);
      const edit: LineEdit & { found?: number } = present
        ? ensureLinePresent(before, {
            line: line!,
            ...(regexp === undefined ? {} : { regexp }),
            ...(args.search_string === undefined ? {} : { searchString: args.search_string }),
            ...(args.insertafter === undefined ? {} : { insertafter: args.insertafter }),
            ...(args.insertbefore === undefined ? {} : { insertbefore: args.insertbefore }),
            backrefs: toBool(args.backrefs, false),
            firstmatch: toBool(args.firstmatch, false),
          })
        : ensureLineAbsent(before, {
            ...(line === undefined ? {} : { line }),
            ...(regexp === undefined ? {} : { regexp }),
            ...(args.search_string === undefined ? {} : { searchString: args.search_string }),
          });
      return apply(ctx, args, path, { text, encoding, exists: st !== undefined }, edit);
    }),
};

async function apply(
  ctx: ModuleContext,
  args: LineinfileArgs,
  path: string,
  original: { text: string; encoding: BufferEncoding; exists: boolean },
  edit: LineEdit & { found?: number },
): Promise<ModuleResult> {
  const after = edit.lines.join("");
  const contentDiff: FileDiff = {
    before: original.text,
    after,
    before_header: `${path} (content)`,
    after_header: `${path} (content)`,
  };
  let backup = "";
  const wish = attributeWish(args);
  // lineinfile writes through links: the file that changes is the link's target
  const target = await ctx.files.realpath(path);
  if (edit.changed) {
    const content = Buffer.from(after, original.encoding);
    if (!original.exists) await ctx.files.mkdirp(posix.dirname(target));
    if (args.validate !== undefined)
      await validateContent(
        ctx,
        args.validate,
        content,
        target,
        {},
        (res) => new ModuleFailure(`failed to validate: rc:${res.rc} error:${res.stderr}`),
      );
    if (toBool(args.backup, false) && original.exists && !ctx.check)
      backup = (await backupFile(ctx.files, target)) ?? "";
    await ctx.files.writeFile(target, content);
  }
  let { msg, changed } = edit;
  const attributes = await ctx.files.planAttributes(target, wish, { follow: true });
  if (attributes.changed) {
    await ctx.files.applyAttributes(attributes);
    msg = `${changed ? `${msg} and ` : ""}ownership, perms or SE linux context changed`;
    changed = true;
  }
  const result: ModuleResult = { changed, msg, backup };
  if (edit.found !== undefined) result.found = edit.found;
  if (ctx.diff) {
    const diffs: FileDiff[] = [contentDiff];
    if (attributes.changed)
      diffs.push(attributeDiff(attributes.before, attributes.after, `${path} (file attributes)`));
    result.diff = diffs;
  }
  return result;
}
