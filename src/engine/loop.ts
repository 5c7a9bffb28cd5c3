import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type SourceLocation, TsibleError } from "../errors.js";
import type { TaskSpec } from "../load/model.js";
import { renderValue } from "../vars/index.js";
import { toBool } from "./keywords.js";
import type { LayeredScope, VarLayer } from "./scope.js";
import { markRendered } from "./scope.js";

/** The items of `loop:` / `with_*:`, as Ansible computes them. */
export function loopItems(
  spec: unknown,
  kind: NonNullable<TaskSpec["loopKind"]>,
  scope: LayeredScope,
  where: SourceLocation | undefined,
): unknown[] {
  const value = renderValue(spec, scope, where);
  switch (kind) {
    case "loop":
    case "with_list":
      return requireList(value, kind, where);
    case "with_items":
      return requireList(value, kind, where).flatMap((v) => (Array.isArray(v) ? v : [v]));
    case "with_dict":
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        throw new TsibleError("with_dict expects a mapping", {
          kind: "module",
          ...(where ? { location: where } : {}),
        });
      }
      return Object.entries(value).map(([key, v]) => ({ key, value: v }));
    case "with_together": {
      const lists = requireList(value, kind, where).map((l) => requireList(l, kind, where));
      const length = Math.max(0, ...lists.map((l) => l.length));
      return Array.from({ length }, (_, i) => lists.map((l) => l[i] ?? null));
    }
    case "with_sequence":
      return sequence(String(value), where);
    case "with_fileglob":
      return requireList(value, kind, where).flatMap((pattern) => fileGlob(String(pattern)));
  }
}

function requireList(value: unknown, kind: string, where: SourceLocation | undefined): unknown[] {
  if (Array.isArray(value)) return value;
  if (kind === "with_items" || kind === "with_list") return [value];
  throw new TsibleError(`${kind} needs a list, got ${value === null ? "null" : typeof value}`, {
    kind: "module",
    ...(where ? { location: where } : {}),
    hint: 'for a mapping use `loop: "{{ x | dict2items }}"`',
  });
}

/** with_fileglob matches files in one folder (wildcards in the last path component), as Ansible. */
function fileGlob(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = new RegExp(
    `^${basename(pattern)
      .replace(/[.+^${}()|\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n) && !n.startsWith("."))
    .sort()
    .map((n) => join(dir, n));
}

/** `with_sequence: start=1 end=5 format=web%02d` or `1-5`. */
function sequence(spec: string, where: SourceLocation | undefined): string[] {
  const opts: Record<string, string> = {};
  const shorthand = /^(\d+)-(\d+)(?:\/(\d+))?$/.exec(spec.trim());
  if (shorthand) Object.assign(opts, { start: shorthand[1], end: shorthand[2], stride: shorthand[3] ?? "1" });
  else
    for (const part of spec.trim().split(/\s+/))
      opts[part.split("=")[0]!] = part.split("=").slice(1).join("=");
  const start = Number(opts.start ?? 1);
  const stride = Number(opts.stride ?? 1);
  const end = opts.count !== undefined ? start + (Number(opts.count) - 1) * stride : Number(opts.end);
  if (!Number.isFinite(start) || !Number.isFinite(end) || stride === 0) {
    throw new TsibleError(`with_sequence: cannot read '${spec}'`, {
      kind: "module",
      ...(where ? { location: where } : {}),
    });
  }
  const out: string[] = [];
  for (let n = start; stride > 0 ? n <= end : n >= end; n += stride) {
    out.push(
      opts.format
        ? opts.format.replace(/%0?(\d*)d/, (_m, w: string) => String(n).padStart(Number(w || 0), "0"))
        : String(n),
    );
  }
  return out;
}

/** `item` (or loop_var), index_var and ansible_loop for item `i`. */
export function loopVariables(items: unknown[], i: number, control: Record<string, unknown>): VarLayer {
  const layer: VarLayer = {};
  const loopVar = typeof control.loop_var === "string" ? control.loop_var : "item";
  layer[loopVar] = items[i];
  layer.ansible_loop_var = loopVar;
  if (typeof control.index_var === "string") layer[control.index_var] = i;
  if (control.extended !== undefined && toBool(control.extended)) {
    layer.ansible_loop = {
      index: i + 1,
      index0: i,
      revindex: items.length - i,
      revindex0: items.length - i - 1,
      first: i === 0,
      last: i === items.length - 1,
      length: items.length,
      previtem: i > 0 ? items[i - 1] : undefined,
      nextitem: i < items.length - 1 ? items[i + 1] : undefined,
      ...(control.extended_allitems === false ? {} : { allitems: items }),
    };
  }
  return markRendered(layer);
}
