import type { Args } from "../expr/args.js";
import type { FilterFn } from "../expr/context.js";
import { pyStr, truthy } from "../expr/values.js";
import { groupCount, pyRegex, pyRegexEscape, pyReplacement, type RegexOptions } from "../pyregex.js";

function flags(args: Args): RegexOptions {
  return {
    ignorecase: truthy(args.take("ignorecase", false)),
    multiline: truthy(args.take("multiline", false)),
  };
}

export const REGEX_FILTERS: Record<string, FilterFn> = {
  regex_replace: (input, args) => {
    const pattern = args.string("pattern");
    const replacement = pyStr(args.take("replacement", ""));
    const options = flags(args);
    const count = args.number("count", 0);
    const regex = pyRegex(pattern, { ...options, all: true });
    const replace = pyReplacement(replacement);
    let done = 0;
    return pyStr(input).replace(regex, (...match: unknown[]) => {
      if (count > 0 && done >= count) return match[0] as string;
      done++;
      return replace(...(match as [string, ...unknown[]]));
    });
  },

  /** The first match, or the listed groups (`'\\1'`, `'\\g<name>'`) of it; None without a match. */
  regex_search: (input, args) => {
    const pattern = args.string("pattern");
    const wanted = args.rest().map(String);
    const options = {
      ignorecase: truthy(args.take("ignorecase", false)),
      multiline: truthy(args.take("multiline", false)),
    };
    const match = pyRegex(pattern, options).exec(pyStr(input));
    if (!match) return null;
    if (wanted.length === 0) return match[0];
    return wanted.map((group) => {
      const named = /^\\g<(\S+)>$/.exec(group);
      if (named)
        return /^\d+$/.test(named[1]!)
          ? (match[Number(named[1])] ?? null)
          : (match.groups?.[named[1]!] ?? null);
      const numbered = /^\\(\d+)$/.exec(group);
      if (numbered) return match[Number(numbered[1])] ?? null;
      return args.fail(`unknown argument '${group}' (expected '\\\\N' or '\\\\g<name>')`);
    });
  },

  /** Every match; with one group the group's text, with several a list of the groups. */
  regex_findall: (input, args) => {
    const pattern = args.string("pattern");
    const multiline = truthy(args.take("multiline", false));
    const ignorecase = truthy(args.take("ignorecase", false));
    const regex = pyRegex(pattern, { multiline, ignorecase, all: true });
    const groups = groupCount(regex);
    return [...pyStr(input).matchAll(regex)].map((match) => {
      if (groups === 0) return match[0];
      if (groups === 1) return match[1] ?? "";
      return match.slice(1).map((g) => g ?? "");
    });
  },

  regex_escape: (input, args) => {
    const type = args.string("re_type", "python");
    if (type !== "python") args.fail("only re_type='python' is supported");
    return pyRegexEscape(pyStr(input));
  },
};
