import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { TsibleError } from "../errors.js";
import type { Args } from "./expr/args.js";
import type { CallContext } from "./expr/context.js";
import { pyStr } from "./expr/values.js";

type Lookup = (terms: unknown[], options: Args, ctx: CallContext) => unknown[];

/** Where Ansible looks for a relative `lookup('file', ...)`: the role's files, then the playbook's. */
function candidatePaths(path: string, ctx: CallContext): string[] {
  if (isAbsolute(path)) return [path];
  const dirs: string[] = [];
  for (const variable of ["role_path", "playbook_dir"]) {
    const dir = ctx.scope.has(variable) ? ctx.scope.get(variable) : undefined;
    if (typeof dir === "string" && dir !== "") dirs.push(join(dir, "files"), dir);
  }
  dirs.push(process.cwd());
  return dirs.map((dir) => join(dir, path));
}

function readLookupFile(path: string, ctx: CallContext, rstrip: boolean): string {
  for (const candidate of candidatePaths(path, ctx)) {
    try {
      const text = readFileSync(candidate, "utf8");
      return rstrip ? text.trimEnd() : text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  throw new TsibleError(`lookup('file'): could not find '${path}'`, {
    kind: "expression",
    hint: `searched: ${candidatePaths(path, ctx).join(", ")}`,
  });
}

const LOOKUPS: Record<string, Lookup> = {
  env: (terms, options) => {
    const fallback = options.take("default", "");
    return terms.map((name) => process.env[pyStr(name)] ?? fallback);
  },
  file: (terms, options, ctx) => {
    const rstrip = Boolean(options.take("rstrip", true));
    options.take("lstrip", false);
    return terms.map((path) => readLookupFile(pyStr(path), ctx, rstrip));
  },
  items: (terms) => terms.flat(),
  list: (terms) => terms,
};

/** Lookups that would run code or reach the network; never available. */
const REFUSED = new Set(["pipe", "lines", "url", "shell", "command", "template", "password"]);

function runLookup(args: Args, ctx: CallContext): unknown[] {
  const name = String(args.take("name"));
  const plugin = name.startsWith("ansible.builtin.") ? name.slice("ansible.builtin.".length) : name;
  if (REFUSED.has(plugin)) {
    throw new TsibleError(`lookup('${plugin}') is not available`, {
      kind: "expression",
      hint: "run commands in a task (command/shell with register) instead of inside an expression",
    });
  }
  const lookup = Object.hasOwn(LOOKUPS, plugin) ? LOOKUPS[plugin] : undefined;
  if (!lookup) {
    throw new TsibleError(`no lookup named '${plugin}'`, {
      kind: "expression",
      hint: `available lookups: ${Object.keys(LOOKUPS).join(", ")}`,
    });
  }
  return lookup(args.rest(), args, ctx);
}

/**
 * `lookup(name, terms...)`: several results are joined with commas, as in Ansible;
 * `wantlist=True` returns the list, like `query`.
 */
export function lookup(args: Args, ctx: CallContext): unknown {
  const wantlist = args.keywords.get("wantlist");
  args.keywords.delete("wantlist");
  const results = runLookup(args, ctx);
  if (wantlist === true) return results;
  if (results.length === 1) return results[0];
  return results.map(pyStr).join(",");
}

/** `query(name, terms...)` (also `q`): always a list. */
export function query(args: Args, ctx: CallContext): unknown {
  return runLookup(args, ctx);
}
