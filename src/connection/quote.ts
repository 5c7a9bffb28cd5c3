/** POSIX shell quoting and command building, shared by the local and ssh connections. */

import { TsibleError } from "../errors.js";

/** Quotes `s` as one POSIX shell word; plain words stay readable, anything else is single-quoted. */
export function shq(s: string): string {
  if (s !== "" && /^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Joins words into one command line, each word quoted. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shq).join(" ");
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export K='v'; ...` lines that set `env` for the command that follows (ssh env requests are usually refused). */
export function envPrefix(env: Record<string, string> | undefined): string {
  if (!env) return "";
  let out = "";
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name))
      throw new TsibleError(`invalid environment variable name ${JSON.stringify(name)}`, {
        kind: "module",
        hint: "names are letters, digits and underscores, not starting with a digit",
      });
    out += `export ${name}=${shq(value)}; `;
  }
  return out;
}

/** Wraps `command` so it runs in `cwd` with `env`: the form both connections hand to `/bin/sh -c`. */
export function withCwdAndEnv(command: string, opts: { cwd?: string; env?: Record<string, string> }): string {
  const cd = opts.cwd === undefined ? "" : `cd -- ${shq(opts.cwd)} || exit 1; `;
  const env = envPrefix(opts.env);
  return cd || env ? `${cd}${env}${command}` : command;
}

/** Formats a permission mode for chmod/mkdir -m (octal, no prefix). */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}
