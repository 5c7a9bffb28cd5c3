/** The parts of OpenSSH's client config (~/.ssh/config) that tsible honours. */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { TsibleError } from "../../errors.js";
import { matchGlob, matchPatternList } from "./host-patterns.js";

export interface SshConfigBlock {
  /** Host patterns; undefined for the lines before the first Host (they apply to every host). */
  patterns: string[] | undefined;
  /** `Match` blocks are not supported: they never apply. */
  match: boolean;
  options: Array<{ key: string; value: string; file: string; line: number }>;
}

export interface SshConfig {
  file: string;
  blocks: SshConfigBlock[];
}

/** The settings for one host; first value wins, except IdentityFile and UserKnownHostsFile which add up. */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
  connectTimeout?: number;
  /** Seconds. */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
}

/** Splits a value into words; double quotes group words, as in ssh_config. */
function splitWords(value: string): string[] {
  const words: string[] = [];
  for (const m of value.matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? "");
  return words;
}

/** Reads the files an `Include` names: relative to ~/.ssh, with `*` and `?` in the file name. */
export type IncludeReader = (pattern: string) => Array<{ file: string; text: string }>;

function readIncluded(pattern: string): Array<{ file: string; text: string }> {
  const path = expandTokens(pattern, { host: "" });
  const absolute = isAbsolute(path) ? path : join(homedir(), ".ssh", path);
  const dir = dirname(absolute);
  const name = basename(absolute);
  let names: string[];
  if (/[*?]/.test(name)) {
    try {
      names = readdirSync(dir)
        .filter((n) => matchGlob(n, name) && !n.startsWith("."))
        .sort();
    } catch {
      names = [];
    }
  } else {
    names = existsSync(absolute) ? [name] : [];
  }
  return names.map((n) => ({ file: join(dir, n), text: readFileSync(join(dir, n), "utf8") }));
}

const MAX_INCLUDE_DEPTH = 16;

function parseInto(
  blocks: SshConfigBlock[],
  text: string,
  file: string,
  include: IncludeReader,
  depth: number,
) {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    const location = { file, line: i + 1, col: 1 };
    if (!m) {
      throw new TsibleError(`cannot read this ssh config line: ${line}`, {
        kind: "parse",
        location,
        hint: "lines are `Keyword value`",
      });
    }
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === "host") blocks.push({ patterns: splitWords(value), match: false, options: [] });
    else if (key === "match") blocks.push({ patterns: undefined, match: true, options: [] });
    else if (key === "include") {
      if (depth >= MAX_INCLUDE_DEPTH) {
        throw new TsibleError("ssh config Include nests too deeply", { kind: "parse", location });
      }
      for (const pattern of splitWords(value)) {
        for (const included of include(pattern))
          parseInto(blocks, included.text, included.file, include, depth + 1);
      }
    } else blocks.at(-1)!.options.push({ key, value, file, line: i + 1 });
  }
}

export function parseSshConfig(text: string, file: string, include: IncludeReader = readIncluded): SshConfig {
  const blocks: SshConfigBlock[] = [{ patterns: undefined, match: false, options: [] }];
  parseInto(blocks, text, file, include, 0);
  return { file, blocks };
}

const configCache = new Map<string, SshConfig | undefined>();

/** Reads and parses a config file once per run; a missing file is an empty config. */
export function readSshConfig(file = `${homedir()}/.ssh/config`): SshConfig | undefined {
  if (configCache.has(file)) return configCache.get(file);
  let config: SshConfig | undefined;
  try {
    config = parseSshConfig(readFileSync(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  configCache.set(file, config);
  return config;
}

/** Expands `~` and the %-tokens OpenSSH knows in paths and HostName. */
export function expandTokens(value: string, ctx: { host: string; port?: number; user?: string }): string {
  const home = homedir();
  const expanded = value.replace(/%([%hdpru])/g, (_, t: string) => {
    switch (t) {
      case "%":
        return "%";
      case "h":
        return ctx.host;
      case "d":
        return home;
      case "p":
        return String(ctx.port ?? 22);
      case "r":
        return ctx.user ?? userInfo().username;
      default:
        return userInfo().username;
    }
  });
  return expanded === "~" ? home : expanded.replace(/^~\//, `${home}/`);
}

/** The options that apply to `host` (the name as given, before HostName). */
export function lookupSshConfig(config: SshConfig | undefined, host: string): SshHostConfig {
  const result: SshHostConfig = { identityFiles: [] };
  if (!config) return result;
  const seen = new Set<string>();
  for (const block of config.blocks) {
    if (block.match) continue;
    if (block.patterns && !matchPatternList(host, block.patterns)) continue;
    for (const { key, value: raw, file, line } of block.options) {
      const value = key === "userknownhostsfile" || key === "proxyjump" ? raw : (splitWords(raw)[0] ?? "");
      if (key === "identityfile") {
        result.identityFiles.push(value);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const where = { file, line, col: 1 };
      switch (key) {
        case "hostname":
          result.hostName = value;
          break;
        case "user":
          result.user = value;
          break;
        case "port":
          result.port = parsePort(value, where);
          break;
        case "proxyjump":
          result.proxyJump = value;
          break;
        case "userknownhostsfile":
          result.userKnownHostsFiles = splitWords(value);
          break;
        case "stricthostkeychecking":
          result.strictHostKeyChecking = value.toLowerCase();
          break;
        case "connecttimeout":
          result.connectTimeout = Number(value);
          break;
        case "serveraliveinterval":
          result.serverAliveInterval = nonNegative(value, key, where);
          break;
        case "serveralivecountmax":
          result.serverAliveCountMax = nonNegative(value, key, where);
          break;
      }
    }
  }
  return result;
}

/** A whole number of 0 or more (ServerAliveInterval, ServerAliveCountMax). */
export function nonNegative(
  value: string,
  option: string,
  location?: { file: string; line: number; col: number },
): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new TsibleError(`invalid ssh option ${option} ${JSON.stringify(value)}`, {
      kind: "parse",
      ...(location ? { location } : {}),
      hint: "a whole number, 0 or more",
    });
  }
  return n;
}

export function parsePort(value: string, location?: { file: string; line: number; col: number }): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TsibleError(`invalid ssh port ${JSON.stringify(value)}`, {
      kind: "parse",
      ...(location ? { location } : {}),
      hint: "a port is a number from 1 to 65535",
    });
  }
  return port;
}
