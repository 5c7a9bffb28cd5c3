/** OpenSSH host patterns: `*` and `?` wildcards, comma lists, `!` negation (ssh_config and known_hosts). */

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += ".*";
    else if (ch === "?") source += ".";
    else source += ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "i");
}

/** Whether `name` matches one glob (case-insensitive, as host names are). */
export function matchGlob(name: string, glob: string): boolean {
  return globToRegExp(glob).test(name);
}

/**
 * Whether `name` matches a list of patterns: at least one positive pattern matches and no negated one
 * does (a negated match wins, as in OpenSSH).
 */
export function matchPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) {
      if (matchGlob(name, pattern.slice(1))) return false;
    } else if (matchGlob(name, pattern)) {
      matched = true;
    }
  }
  return matched;
}
