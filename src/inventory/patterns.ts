import { TsibleError } from "../errors.js";
import { parseAddress } from "./address.js";
import { LOCALHOST_NAMES } from "./data.js";
import { globToRegExp } from "./fnmatch.js";
import type { Group, Host } from "./model.js";

/** What host patterns are evaluated against. */
export interface PatternScope {
  readonly groups: ReadonlyMap<string, Group>;
  readonly hosts: ReadonlyMap<string, Host>;
  /** The implicit localhost for `localhost`/`127.0.0.1`/`::1` when the inventory lacks it. */
  implicitLocalhost(name: string): Host;
}

const WITH_SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/;
const COLON_SEPARATED = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/**
 * Ansible's `split_host_pattern`: `a,b` splits on commas; otherwise `a:b:&c:!d` splits on
 * colons, except where the colon belongs to an address (IPv6, `host:port`) or a `[x:y]` range.
 */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(",")) parts = pattern.split(",");
  else if (parseAddress(pattern, true)) parts = [pattern];
  else parts = pattern.match(COLON_SEPARATED) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Plain patterns first, then `&` intersections, then `!` exclusions; `all` when none is plain. */
export function orderPatterns(patterns: string[]): string[] {
  const regular = patterns.filter((p) => p !== "" && !p.startsWith("!") && !p.startsWith("&"));
  const intersections = patterns.filter((p) => p.startsWith("&"));
  const exclusions = patterns.filter((p) => p.startsWith("!"));
  return [...(regular.length > 0 ? regular : ["all"]), ...intersections, ...exclusions];
}

/** The hosts a full pattern selects, each once, in Ansible's order. */
export function evaluatePattern(scope: PatternScope, pattern: string | string[]): Host[] {
  const parts = (Array.isArray(pattern) ? pattern : [pattern]).flatMap(splitPattern);
  let hosts: Host[] = [];
  for (const part of orderPatterns(parts)) {
    const plainHost = scope.hosts.get(part);
    if (plainHost) {
      hosts.push(plainHost);
      continue;
    }
    const matched = new Set(matchOne(scope, part));
    if (part.startsWith("!")) hosts = hosts.filter((h) => !matched.has(h));
    else if (part.startsWith("&")) hosts = hosts.filter((h) => matched.has(h));
    else {
      const present = new Set(hosts.map((h) => h.name));
      hosts.push(...[...matched].filter((h) => !present.has(h.name)));
    }
  }
  return [...new Set(hosts)];
}

/** One pattern without its `&`/`!`: a name, glob or `~regex`, with an optional `[i]`/`[a:b]`. */
function matchOne(scope: PatternScope, pattern: string): Host[] {
  const bare = pattern.startsWith("&") || pattern.startsWith("!") ? pattern.slice(1) : pattern;
  const { expr, subscript } = splitSubscript(bare);
  const hosts = enumerate(scope, expr);
  if (!subscript || hosts.length === 0) return hosts;
  const [start, end] = subscript;
  if (end !== undefined && end !== 0) return hosts.slice(start, end === -1 ? hosts.length : end + 1);
  const host = hosts.at(start);
  if (!host) {
    throw new TsibleError(`No hosts matched the subscripted pattern '${bare}'`, {
      kind: "usage",
      hint: `the pattern '${expr}' matches ${hosts.length} host(s); indexes start at 0`,
    });
  }
  return [host];
}

function splitSubscript(pattern: string): {
  expr: string;
  subscript: [number, number | undefined] | undefined;
} {
  if (pattern.startsWith("~")) return { expr: pattern, subscript: undefined };
  const m = WITH_SUBSCRIPT.exec(pattern);
  if (!m) return { expr: pattern, subscript: undefined };
  if (m[2] !== undefined) return { expr: m[1]!, subscript: [Number(m[2]), undefined] };
  return { expr: m[1]!, subscript: [Number(m[3]), m[5] ? Number(m[5]) : -1] };
}

/** Groups whose name matches give all their hosts; hosts are matched too for globs and regexes. */
function enumerate(scope: PatternScope, pattern: string): Host[] {
  const matcher = compile(pattern);
  const results: Host[] = [];
  let groupMatched = false;
  for (const [name, group] of scope.groups) {
    if (!matcher(name)) continue;
    groupMatched = true;
    results.push(...group.allHosts());
  }
  if (!groupMatched || pattern.startsWith("~") || /[.?*[]/.test(pattern)) {
    for (const [name, host] of scope.hosts) if (matcher(name)) results.push(host);
  }
  if (results.length === 0 && LOCALHOST_NAMES.has(pattern)) results.push(scope.implicitLocalhost(pattern));
  return results;
}

/** `~regex` is matched at the start of the name (Python's re.match); anything else is a glob. */
function compile(pattern: string): (name: string) => boolean {
  let regex: RegExp;
  try {
    regex = pattern.startsWith("~") ? new RegExp(`^(?:${pattern.slice(1)})`) : globToRegExp(pattern);
  } catch {
    throw new TsibleError(`Invalid host list pattern: ${pattern}`, {
      kind: "usage",
      hint: "a pattern starting with ~ is a regular expression; others are globs with * ? [..]",
    });
  }
  return (name) => regex.test(name);
}
