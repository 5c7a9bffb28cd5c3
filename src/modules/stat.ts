import { createHash } from "node:crypto";
import { formatMode } from "../connection/host-files.js";
import type { FileStat } from "../connection/types.js";
import { booleanOption, stringOption, toBool } from "./common/args.js";
import { guarded } from "./common/failure.js";
import type { ModuleContext, ModuleDefinition } from "./types.js";

const ALGORITHMS = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"] as const;

export interface StatArgs {
  path: string;
  follow?: unknown;
  get_checksum?: unknown;
  checksum_algorithm?: (typeof ALGORITHMS)[number];
  checksum_algo?: (typeof ALGORITHMS)[number];
  checksum?: (typeof ALGORITHMS)[number];
  get_mime?: unknown;
  get_attributes?: unknown;
}

const algorithm = { enum: [...ALGORITHMS] };

const schema = {
  type: "object",
  properties: {
    path: stringOption("the path to look at"),
    dest: stringOption("alias of path"),
    name: stringOption("alias of path"),
    follow: booleanOption("report on a link's target rather than the link"),
    get_checksum: booleanOption("add the content's checksum for regular files"),
    checksum_algorithm: algorithm,
    checksum_algo: algorithm,
    checksum: algorithm,
    get_mime: booleanOption("accepted; mime types are not reported"),
    get_attributes: booleanOption("accepted; file attributes are not reported"),
  },
  anyOf: [{ required: ["path"] }, { required: ["dest"] }, { required: ["name"] }],
  additionalProperties: false,
};

/** Whether the task's user may read/write/execute, from the permission bits (root may do anything but run non-executables). */
async function access(ctx: ModuleContext, st: FileStat): Promise<Record<string, boolean>> {
  const { uid, gid } = await ctx.files.identity();
  const anyExec = (st.mode & 0o111) !== 0;
  if (uid === 0) return { readable: true, writeable: true, executable: anyExec };
  const shift = uid === st.uid ? 6 : gid === st.gid ? 3 : 0;
  const bits = (st.mode >> shift) & 0o7;
  return { readable: (bits & 4) !== 0, writeable: (bits & 2) !== 0, executable: (bits & 1) !== 0 };
}

/** Ansible's `stat`: facts about a path in the `stat` key of the result, read through the host's file view. */
export const statModule: ModuleDefinition<StatArgs> = {
  name: "stat",
  schema,
  run: (ctx, args) =>
    guarded(async () => {
      const raw = args as unknown as Record<string, string | undefined>;
      const path = raw.path ?? raw.dest ?? raw.name!;
      const follow = toBool(args.follow, false);
      const st = await ctx.files.stat(path, { follow });
      if (!st) return { changed: false, stat: { exists: false } };
      const m = st.mode;
      const stat: Record<string, unknown> = {
        exists: true,
        path,
        mode: formatMode(m),
        isdir: st.type === "directory",
        isreg: st.type === "file",
        islnk: st.type === "link",
        ischr: false,
        isblk: false,
        isfifo: false,
        issock: false,
        uid: st.uid,
        gid: st.gid,
        pw_name: await ctx.files.accounts.userName(st.uid),
        gr_name: await ctx.files.accounts.groupName(st.gid),
        size: st.size,
        mtime: st.mtime,
        rusr: (m & 0o400) !== 0,
        wusr: (m & 0o200) !== 0,
        xusr: (m & 0o100) !== 0,
        rgrp: (m & 0o040) !== 0,
        wgrp: (m & 0o020) !== 0,
        xgrp: (m & 0o010) !== 0,
        roth: (m & 0o004) !== 0,
        woth: (m & 0o002) !== 0,
        xoth: (m & 0o001) !== 0,
        isuid: (m & 0o4000) !== 0,
        isgid: (m & 0o2000) !== 0,
        ...(await access(ctx, st)),
      };
      if (st.type === "link") {
        stat.lnk_target = st.linkTarget;
        stat.lnk_source = await ctx.files.realpath(path);
      }
      if (st.type === "file" && toBool(args.get_checksum, true)) {
        const content = await ctx.files.readFile(path);
        const algo = args.checksum_algorithm ?? args.checksum_algo ?? args.checksum ?? "sha1";
        if (content) stat.checksum = createHash(algo).update(content).digest("hex");
      }
      return { changed: false, stat };
    }),
};
