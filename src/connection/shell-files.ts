/**
 * FileTransport made of POSIX sh and coreutils commands (GNU or busybox), run through an exec function.
 * Used under become, where SFTP would act as the login user instead of the become user.
 */

import { TsibleError } from "../errors.js";
import { octalMode, shq } from "./quote.js";
import type {
  BecomeSpec,
  Connection,
  ExecOptions,
  ExecResult,
  FileStat,
  FileTransport,
  FileType,
  WriteOptions,
} from "./types.js";

export type ShellExec = (command: string, opts?: ExecOptions) => Promise<ExecResult>;

/** Marks "no such file" in our scripts' exit status, distinct from any failure of the tools. */
const MISSING = 3;
const S_IFMT = 0o170000;

/** The file type encoded in a stat mode's S_IFMT bits. */
export function fileTypeOf(mode: number): FileType {
  switch (mode & S_IFMT) {
    case 0o100000:
      return "file";
    case 0o040000:
      return "directory";
    case 0o120000:
      return "link";
    default:
      return "other";
  }
}

/** Parses `stat -c '%f %u %g %s %Y'` (raw mode in hex; same in GNU and busybox), then the link target. */
export function parseStatOutput(output: string): FileStat {
  const newline = output.indexOf("\n");
  const first = newline < 0 ? output : output.slice(0, newline);
  const [rawMode, uid, gid, size, mtime] = first.trim().split(" ");
  const mode = Number.parseInt(rawMode ?? "", 16);
  if (Number.isNaN(mode) || mtime === undefined)
    throw new Error(`unexpected stat output: ${JSON.stringify(first)}`);
  const stat: FileStat = {
    type: fileTypeOf(mode),
    mode: mode & 0o7777,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    mtime: Number(mtime),
  };
  if (stat.type === "link" && newline >= 0) {
    const rest = output.slice(newline + 1);
    stat.linkTarget = rest.endsWith("\n") ? rest.slice(0, -1) : rest;
  }
  return stat;
}

function ownerSpec(uid: number | undefined, gid: number | undefined): string | undefined {
  const u = uid !== undefined && uid >= 0 ? String(uid) : "";
  const g = gid !== undefined && gid >= 0 ? String(gid) : "";
  if (!u && !g) return undefined;
  return g ? `${u}:${g}` : u;
}

/** The existence test our scripts use: a dangling link still exists. */
const exists = (p: string) => `{ [ -e ${p} ] || [ -L ${p} ]; }`;

export class ShellFiles implements FileTransport {
  constructor(
    private readonly run: ShellExec,
    private readonly host = "host",
  ) {}

  /** Runs a script in the C locale; MISSING exit gives undefined, other failures throw. */
  private async script(
    op: string,
    path: string,
    script: string,
    opts: ExecOptions = {},
  ): Promise<{ stdout: Buffer } | undefined> {
    const chunks: Buffer[] = [];
    const result = await this.run(`LC_ALL=C; export LC_ALL; ${script}`, {
      ...opts,
      onStdout: (c) => chunks.push(c),
    });
    if (result.rc === MISSING) return undefined;
    if (result.rc !== 0) {
      const why = result.stderr.trim() || `exit code ${result.rc}`;
      throw new TsibleError(`${op} ${path} on ${this.host}: ${why}`, { kind: "module" });
    }
    return { stdout: Buffer.concat(chunks) };
  }

  private async must(op: string, path: string, script: string, opts?: ExecOptions): Promise<Buffer> {
    const out = await this.script(op, path, script, opts);
    if (!out)
      throw new TsibleError(`${op} ${path} on ${this.host}: No such file or directory`, { kind: "module" });
    return out.stdout;
  }

  async stat(path: string, opts: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    const p = shq(path);
    const follow = opts.follow ?? true;
    const script = follow
      ? `[ -e ${p} ] || exit ${MISSING}; stat -L -c '%f %u %g %s %Y' -- ${p}`
      : `${exists(p)} || exit ${MISSING}; stat -c '%f %u %g %s %Y' -- ${p} && if [ -L ${p} ]; then readlink -- ${p}; fi`;
    const out = await this.script("stat", path, script);
    return out ? parseStatOutput(out.stdout.toString("utf8")) : undefined;
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const p = shq(path);
    const out = await this.script("read", path, `[ -e ${p} ] || exit ${MISSING}; cat -- ${p}`);
    return out?.stdout;
  }

  async writeFile(path: string, data: Buffer, opts: WriteOptions): Promise<void> {
    const p = shq(path);
    const slash = path.lastIndexOf("/");
    const dir = shq(slash <= 0 ? "/" : path.slice(0, slash));
    const base = path.slice(slash + 1);
    const owner = ownerSpec(opts.uid, opts.gid);
    // umask 077: the temp file is private from its first byte; mode and owner are set before the rename.
    const script = [
      "set -e",
      "umask 077",
      `if [ -d ${p} ] && [ ! -L ${p} ]; then echo ${shq(`${path}: Is a directory`)} >&2; exit 1; fi`,
      `t=$(mktemp -- ${dir}/${shq(`.${base}.tsible-XXXXXX`)})`,
      `trap 'rm -f -- "$t"' EXIT`,
      "trap 'exit 1' HUP INT TERM PIPE",
      `cat > "$t"`,
      // a connection lost mid-upload ends stdin early, like a normal end: only the size tells
      `n=$(wc -c < "$t"); [ $((n)) -eq ${data.length} ] || { echo "only $((n)) of ${data.length} bytes arrived" >&2; exit 1; }`,
      ...(owner ? [`chown ${owner} -- "$t"`] : []),
      `chmod ${octalMode(opts.mode)} -- "$t"`,
      `mv -f -- "$t" ${p}`,
      "trap - EXIT",
    ].join("\n");
    await this.must("write", path, script, { stdin: data });
  }

  async mkdir(path: string, mode: number): Promise<void> {
    await this.must("mkdir", path, `mkdir -m ${octalMode(mode)} -- ${shq(path)}`);
  }

  async chmod(path: string, mode: number): Promise<void> {
    await this.must("chmod", path, `chmod ${octalMode(mode)} -- ${shq(path)}`);
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const owner = ownerSpec(uid, gid);
    if (owner) await this.must("chown", path, `chown -h ${owner} -- ${shq(path)}`);
  }

  async symlink(target: string, path: string): Promise<void> {
    const p = shq(path);
    await this.must(
      "symlink",
      path,
      `if ${exists(p)}; then echo 'File exists' >&2; exit 1; fi; ln -s -- ${shq(target)} ${p}`,
    );
  }

  async rename(from: string, to: string): Promise<void> {
    const t = shq(to);
    const refuse = `if [ -d ${t} ] && [ ! -L ${t} ]; then echo ${shq(`${to}: Is a directory`)} >&2; exit 1; fi`;
    await this.must("rename", from, `${refuse}; mv -f -- ${shq(from)} ${t}`);
  }

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const p = shq(path);
    const script = opts.recursive
      ? `rm -rf -- ${p}`
      : `${exists(p)} || exit 0; if [ -d ${p} ] && [ ! -L ${p} ]; then rmdir -- ${p}; else rm -f -- ${p}; fi`;
    await this.must("remove", path, script);
  }

  async readdir(path: string): Promise<string[]> {
    // A glob walk, NUL-separated: names with newlines survive, and no find/ls flags are needed.
    const script = `cd -- ${shq(path)} || exit 1; for f in * .[!.]* ..?*; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\0' "$f"; fi; done`;
    const out = await this.must("readdir", path, script);
    return out
      .toString("utf8")
      .split("\0")
      .filter((n) => n !== "");
  }
}

/** The file view of a connection under become: every operation runs as the become user through sudo. */
export function becomeFiles(connection: Connection, become: BecomeSpec): FileTransport {
  return new ShellFiles((command, opts) => connection.exec(command, { ...opts, become }), connection.host);
}
