import { existsSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { type SourceLocation, TsibleError } from "../errors.js";
import type { LoadContext } from "./context.js";
import { findMainFile, readVarsFile, readYamlFile } from "./files.js";
import { locationOf } from "./locations.js";
import {
  type BlockSpec,
  INHERITED_KEYWORDS,
  type InheritedKeywords,
  type Role,
  type TaskNode,
  type TaskParent,
} from "./model.js";
import { loadTaskFile, tagList } from "./tasks.js";

/** Keys of a `roles:` entry (or include_role/import_role) that are not role parameters. */
const ROLE_ENTRY_KEYWORDS = new Set<string>([
  "role",
  "name",
  "tags",
  "when",
  "vars",
  ...INHERITED_KEYWORDS,
  "tasks_from",
  "vars_from",
  "defaults_from",
  "handlers_from",
  "allow_duplicates",
  "public",
  "apply",
  "_target",
]);

/** Where roles are looked for: beside the playbook, the project's roles/, then configured paths. */
export function roleSearchPath(ctx: LoadContext): string[] {
  const paths = [join(ctx.playbookDir, "roles")];
  if (ctx.options.projectDir) paths.push(join(ctx.options.projectDir, "roles"));
  paths.push(...(ctx.options.rolesPath ?? []), ctx.playbookDir);
  return [...new Set(paths.map((p) => resolve(p)))];
}

export function findRoleDir(name: string, ctx: LoadContext, location: SourceLocation): string {
  if (name.includes("/") || isAbsolute(name)) {
    const dir = resolve(ctx.playbookDir, name);
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  } else {
    for (const base of roleSearchPath(ctx)) {
      const dir = join(base, name);
      if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
    }
  }
  throw new TsibleError(`role '${name}' not found`, {
    kind: "parse",
    location,
    hint: `looked in ${roleSearchPath(ctx).join(", ")}`,
  });
}

/**
 * Loads a role (and, first, its meta dependencies) for a play: its defaults and vars join the
 * play's variable layers, its handlers the play's handlers, and its tasks are returned with
 * the role as their parent. `entry` is the `roles:` entry or include/import_role options.
 */
export function loadRoleInto(
  name: string,
  entry: Record<string, unknown>,
  ctx: LoadContext,
  parent: TaskParent,
  location: SourceLocation,
  dedupe = false,
): TaskNode[] {
  const dir = findRoleDir(name, ctx, location);
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!ROLE_ENTRY_KEYWORDS.has(k)) params[k] = v;

  // Ansible runs a role of the roles: section (or a dependency) once per play, unless its
  // parameters differ or the role allows duplicates.
  const meta = readMeta(dir, ctx);
  const allowDuplicates = entry.allow_duplicates === true || meta.allow_duplicates === true;
  if (
    dedupe &&
    !allowDuplicates &&
    ctx.play.roles.some((r) => r.path === dir && sameParams(r.params, params))
  ) {
    return [];
  }
  const tasksFrom = typeof entry.tasks_from === "string" ? entry.tasks_from : "main";

  const out: TaskNode[] = [];
  for (const dep of dependencyList(meta.dependencies, dir)) {
    const depName = String(dep.role ?? dep.name ?? "");
    const { role: _outer, ...depParent } = parent;
    out.push(...loadRoleInto(depName, dep, ctx, depParent, location, true));
  }

  const role: Role = {
    name: basename(dir),
    path: dir,
    defaults: mergeFiles(findMainFile(join(dir, "defaults"), fromName(entry.defaults_from)), ctx),
    vars: mergeFiles(findMainFile(join(dir, "vars"), fromName(entry.vars_from)), ctx),
    params,
    handlers: [],
  };
  const roleParent: TaskParent = { ...parent, role };
  const roleCtx: LoadContext = {
    ...ctx,
    baseDir: join(dir, "tasks"),
    importing: [...ctx.importing, `role:${dir}`],
  };

  const handlerFiles = findMainFile(join(dir, "handlers"), fromName(entry.handlers_from));
  for (const file of handlerFiles) {
    role.handlers.push(
      ...loadTaskFile(file, roleCtx, { ...roleParent, when: [], tags: [] }, join(dir, "handlers")),
    );
  }
  ctx.play.roles.push(role);
  ctx.play.handlers.push(...role.handlers);

  const taskFiles = findMainFile(join(dir, "tasks"), tasksFrom);
  if (taskFiles.length === 0 && tasksFrom !== "main") {
    throw new TsibleError(`role '${role.name}' has no tasks file '${tasksFrom}'`, {
      kind: "parse",
      location,
    });
  }
  for (const file of taskFiles) out.push(...loadTaskFile(file, roleCtx, roleParent, join(dir, "tasks")));
  return out;
}

/** A play's `roles:` entry: a name, or a mapping with role/name plus keywords and params. */
export function loadPlayRole(entry: unknown, ctx: LoadContext, location: SourceLocation): TaskNode[] {
  const spec: Record<string, unknown> =
    typeof entry === "string" ? { role: entry } : { ...((entry as Record<string, unknown>) ?? {}) };
  const name = spec.role ?? spec.name;
  if (typeof name !== "string" || !name) {
    throw new TsibleError("a roles: entry needs a role name", {
      kind: "parse",
      location: locationOf(entry) ?? location,
    });
  }
  const keywords: InheritedKeywords = {};
  for (const k of INHERITED_KEYWORDS) if (k in spec) keywords[k] = spec[k];
  const when = spec.when === undefined ? [] : Array.isArray(spec.when) ? spec.when : [spec.when];
  const vars = (spec.vars ?? {}) as Record<string, unknown>;
  const parent: TaskParent = {
    vars: Object.keys(vars).length ? [...ctx.parent.vars, vars] : ctx.parent.vars,
    when: [...ctx.parent.when, ...when],
    tags: [...ctx.parent.tags, ...tagList(spec.tags)],
    keywords: { ...ctx.parent.keywords, ...keywords },
  };
  const tasks = loadRoleInto(name, spec, ctx, parent, locationOf(entry) ?? location, true);
  const block: BlockSpec = {
    type: "block",
    name: `role ${name}`,
    location: locationOf(entry) ?? location,
    parent: ctx.parent,
    when: [],
    tags: [],
    vars: {},
    keywords: {},
    block: tasks,
    rescue: [],
    always: [],
  };
  return [block];
}

function readMeta(dir: string, ctx: LoadContext): Record<string, unknown> {
  const files = findMainFile(join(dir, "meta"));
  if (files.length === 0) return {};
  const data = readYamlFile(files[0]!, ctx.options.decrypt);
  return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function dependencyList(value: unknown, dir: string): Array<Record<string, unknown>> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new TsibleError(`role ${basename(dir)}: meta dependencies must be a list`, {
      kind: "parse",
      location: locationOf(value) ?? { file: join(dir, "meta", "main.yml"), line: 1, col: 1 },
    });
  }
  return value.map((d) => (typeof d === "string" ? { role: d } : (d as Record<string, unknown>)));
}

function mergeFiles(files: string[], ctx: LoadContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of files) Object.assign(out, readVarsFile(file, ctx.options.decrypt));
  return out;
}

function fromName(value: unknown): string {
  if (typeof value !== "string" || !value) return "main";
  return value.replace(/\.ya?ml$/, "");
}

function sameParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
