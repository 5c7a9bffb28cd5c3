/** Ansible synchronize's arguments, turned into rsync's command-line flags. */

export interface RsyncArgs {
  /** push: src on the controller, dest on the host; pull: the other way round. */
  src: string;
  dest: string;
  mode?: "push" | "pull";
  /** Both ends on the host: rsync runs there (our addition; Ansible's `delegate_to: host` idiom). */
  local?: boolean;
  archive?: boolean;
  recursive?: boolean;
  links?: boolean;
  copy_links?: boolean;
  perms?: boolean;
  times?: boolean;
  owner?: boolean;
  group?: boolean;
  dirs?: boolean;
  checksum?: boolean;
  compress?: boolean;
  existing_only?: boolean;
  /** Deletes files in dest that src lacks (after the transfer, as Ansible's --delete-after). */
  delete?: boolean;
  partial?: boolean;
  /** Filter rules in order; includes come before excludes, since rsync takes the first match. */
  include?: string[];
  exclude?: string[];
  rsync_opts?: string[];
  rsync_timeout?: number;
  /** Accepted for Ansible compatibility and ignored: the port is the tsible connection's. */
  dest_port?: number;
}

/** The marker Ansible puts before every itemized line, so they stand apart from other output. */
export const CHANGED_MARKER = "<<CHANGED>>";

/** The archive's parts: each follows `archive` unless written; a written `false` under archive is --no-X. */
const ARCHIVE_PARTS = ["recursive", "links", "perms", "times", "owner", "group"] as const;

/** rsync's flags for `args` (without the paths and the remote shell). */
export function rsyncFlags(args: RsyncArgs, check: boolean): string[] {
  const flags = ["--delay-updates", "-F"];
  if (args.compress ?? true) flags.push("--compress");
  if (args.checksum) flags.push("--checksum");
  const archive = args.archive ?? true;
  if (archive) {
    flags.push("--archive");
    for (const part of ARCHIVE_PARTS) if (args[part] === false) flags.push(`--no-${part}`);
  } else {
    for (const part of ARCHIVE_PARTS) if (args[part]) flags.push(`--${part}`);
    // without --archive rsync makes directories only when it recurses or is told so
    if (args.dirs && !args.recursive) flags.push("--dirs");
  }
  if (args.copy_links) flags.push("--copy-links");
  if (args.existing_only) flags.push("--existing");
  if (args.delete) flags.push("--delete-after");
  if (args.partial) flags.push("--partial");
  if (args.rsync_timeout) flags.push(`--timeout=${args.rsync_timeout}`);
  for (const pattern of args.include ?? []) flags.push(`--include=${pattern}`);
  for (const pattern of args.exclude ?? []) flags.push(`--exclude=${pattern}`);
  if (check) flags.push("--dry-run");
  flags.push(...(args.rsync_opts ?? []));
  flags.push(`--out-format=${CHANGED_MARKER}%i %n%L`, "--info=progress2");
  return flags;
}
