import { dirname, isAbsolute, join, resolve } from "node:path";
import { didYouMean, type SourceLocation, TsibleError } from "../errors.js";
import { parseFreeForm } from "../modules/common/free-form.js";
import { findModule, moduleNames } from "../modules/registry.js";
import type { AnyModule } from "../modules/types.js";
import type { LoadContext } from "./context.js";
import { readYamlFile } from "./files.js";
import { copyLocations, keyLocationOf, locationOf } from "./locations.js";
import {
  type BlockSpec,
  INHERITED_KEYWORDS,
  type InheritedKeywords,
  type MetaSpec,
  type TaskNode,
  type TaskParent,
  type TaskSpec,
} from "./model.js";
import { loadRoleInto } from "./roles.js";
import { blockKeywords, objectSchema, taskKeywords, validateWithSchema } from "./schemas.js";

export const LOOP_KEYS = [
  "with_items",
  "with_list",
  "with_dict",
  "with_together",
  "with_sequence",
  "with_fileglob",
] as const;
export const INCLUDE_KEYS = ["include_tasks", "import_tasks", "include_role", "import_role", "include"];
export const META_ACTIONS: ReadonlySet<MetaSpec["action"]> = new Set<MetaSpec["action"]>([
  "flush_handlers",
  "noop",
  "end_play",
  "end_host",
  "clear_host_errors",
  "refresh_inventory",
  "end_batch",
]);

const taskSchema = objectSchema(taskKeywords);
const blockSchema = objectSchema(blockKeywords);

/** Reads a task list (a play's tasks, a role's tasks/main.yml, an imported file). */
export function loadTaskList(raw: unknown, ctx: LoadContext, what: string): TaskNode[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) {
    throw new TsibleError(`${what} must be a list of tasks`, {
      kind: "parse",
      location: locationOf(raw) ?? { file: ctx.file, line: 1, col: 1 },
    });
  }
  const out: TaskNode[] = [];
  raw.forEach((item, i) => {
    const where = locationOf(raw, i) ?? { file: ctx.file, line: 1, col: 1 };
    out.push(...loadTaskEntry(item, ctx, where));
  });
  return out;
}

/** Reads a task file from disk (for import_tasks, include_tasks, role task files). */
export function loadTaskFile(
  path: string,
  ctx: LoadContext,
  parent: TaskParent,
  baseDir?: string,
): TaskNode[] {
  const abs = resolve(path);
  if (ctx.importing.includes(abs)) {
    throw new TsibleError(`task file imports itself: ${[...ctx.importing, abs].join(" -> ")}`, {
      kind: "parse",
    });
  }
  const data = readYamlFile(abs, ctx.options.decrypt);
  const inner: LoadContext = {
    ...ctx,
    file: abs,
    baseDir: baseDir ?? dirname(abs),
    parent,
    importing: [...ctx.importing, abs],
  };
  return loadTaskList(data, inner, abs);
}

function loadTaskEntry(raw: unknown, ctx: LoadContext, where: SourceLocation): TaskNode[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new TsibleError("a task must be a mapping (key: value pairs)", { kind: "parse", location: where });
  }
  const task = raw as Record<string, unknown>;
  const location = locationOf(task) ?? where;
  if ("block" in task) return [loadBlock(task, ctx, location)];
  return loadTask(task, ctx, location);
}

/** The keywords every node has: name, when, tags, vars and the inherited ones. */
function nodeBase(raw: Record<string, unknown>, ctx: LoadContext, location: SourceLocation) {
  const keywords: InheritedKeywords = {};
  for (const key of INHERITED_KEYWORDS) if (key in raw) keywords[key] = raw[key];
  const vars = (raw.vars ?? {}) as Record<string, unknown>;
  return {
    ...(raw.name !== undefined ? { name: String(raw.name) } : {}),
    location,
    parent: ctx.parent,
    when: conditionList(raw.when),
    tags: tagList(raw.tags),
    vars,
    keywords,
  };
}

/** The parent seen by the children of a block or import carrying these keywords. */
function childParent(parent: TaskParent, base: ReturnType<typeof nodeBase>): TaskParent {
  return {
    ...(parent.role ? { role: parent.role } : {}),
    vars: Object.keys(base.vars).length ? [...parent.vars, base.vars] : parent.vars,
    when: [...parent.when, ...base.when],
    tags: [...parent.tags, ...base.tags],
    keywords: { ...parent.keywords, ...base.keywords },
  };
}

function loadBlock(raw: Record<string, unknown>, ctx: LoadContext, location: SourceLocation): BlockSpec {
  validateWithSchema(blockSchema, raw, "block", location);
  const base = nodeBase(raw, ctx, location);
  // The block's when/tags/keywords are inherited by every task inside it and checked per task,
  // as Ansible does (a task in the block may change what a later task's condition sees).
  const inner: LoadContext = { ...ctx, parent: childParent(ctx.parent, base) };
  return {
    type: "block",
    ...base,
    block: loadTaskList(raw.block, inner, "block"),
    rescue: loadTaskList(raw.rescue, inner, "rescue"),
    always: loadTaskList(raw.always, inner, "always"),
  };
}

function loadTask(raw: Record<string, unknown>, ctx: LoadContext, location: SourceLocation): TaskNode[] {
  const actionKeys = Object.keys(raw).filter((k) => !(k in taskKeywords) && !LOOP_KEYS.includes(k as never));
  const loopKeys = Object.keys(raw).filter((k) => LOOP_KEYS.includes(k as never) || k === "loop");
  if (loopKeys.length > 1) {
    throw new TsibleError(`a task can have only one loop, found ${loopKeys.join(" and ")}`, {
      kind: "parse",
      location: keyLocationOf(raw, loopKeys[1]!) ?? location,
    });
  }
  for (const key of Object.keys(raw)) {
    if (key.startsWith("with_") && !LOOP_KEYS.includes(key as never)) {
      throw new TsibleError(`unsupported loop '${key}'`, {
        kind: "parse",
        location: keyLocationOf(raw, key) ?? location,
        hint: `use loop: with a filter, or one of ${LOOP_KEYS.join(", ")}`,
      });
    }
  }

  let moduleKey: string | undefined;
  let args: unknown;
  if ("action" in raw || "local_action" in raw) {
    if (actionKeys.length) throw conflicting(raw, ["action", ...actionKeys], location);
    const spec = ("action" in raw ? raw.action : raw.local_action) as unknown;
    ({ moduleKey, args } = splitActionKeyword(spec, location));
  } else {
    if (actionKeys.length > 1) throw conflicting(raw, actionKeys, location);
    moduleKey = actionKeys[0];
    if (moduleKey === undefined) {
      throw new TsibleError("no module or action found in this task", {
        kind: "parse",
        location,
        hint: "a task needs one module key, e.g. `copy:` or `command:`",
      });
    }
    args = raw[moduleKey];
  }
  const keywordPart: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw))
    if (k !== moduleKey && !LOOP_KEYS.includes(k as never)) keywordPart[k] = v;
  copyLocations(raw, keywordPart);
  validateWithSchema(taskSchema, keywordPart, "task", location);
  const base = nodeBase(raw, ctx, location);
  if ("local_action" in raw) base.keywords.delegate_to = "localhost";
  const loopKey = loopKeys[0];

  if (moduleKey === "meta") return [loadMeta(args, base, raw, location)];
  if (INCLUDE_KEYS.includes(moduleKey))
    return loadInclude(moduleKey, args, raw, base, ctx, location, loopKey);

  const module = resolveModule(moduleKey, raw, location);
  const moduleArgs = moduleArguments(module, args, raw, moduleKey, location);
  const spec: TaskSpec = {
    type: "task",
    ...base,
    module,
    moduleName: moduleKey,
    args: moduleArgs,
    notify: stringList(raw.notify),
    listen: stringList(raw.listen),
    ...(raw.register !== undefined ? { register: String(raw.register) } : {}),
    ...(raw.changed_when !== undefined ? { changedWhen: raw.changed_when } : {}),
    ...(raw.failed_when !== undefined ? { failedWhen: raw.failed_when } : {}),
    ...(raw.until !== undefined ? { until: raw.until } : {}),
    ...(raw.retries !== undefined ? { retries: raw.retries } : {}),
    ...(raw.delay !== undefined ? { delay: raw.delay } : {}),
    ...(raw.loop_control !== undefined ? { loopControl: raw.loop_control as Record<string, unknown> } : {}),
  };
  if (loopKey) {
    spec.loop = raw[loopKey];
    spec.loopKind = loopKey as TaskSpec["loopKind"];
  }
  return [spec];
}

function conflicting(raw: Record<string, unknown>, keys: string[], location: SourceLocation): TsibleError {
  const unknown = keys.find((k) => !findModule(k) && !INCLUDE_KEYS.includes(k) && k !== "meta");
  if (unknown) return unknownAction(unknown, raw, location);
  return new TsibleError(`conflicting action statements: ${keys.join(", ")}`, {
    kind: "parse",
    location: keyLocationOf(raw, keys[1]!) ?? location,
    hint: "a task runs exactly one module; split it into two tasks",
  });
}

function unknownAction(key: string, raw: Record<string, unknown>, location: SourceLocation): TsibleError {
  const suggestion = didYouMean(key, [
    ...moduleNames(),
    ...Object.keys(taskKeywords),
    ...INCLUDE_KEYS,
    "meta",
  ]);
  return new TsibleError(`unknown module or task keyword '${key}'`, {
    kind: "parse",
    location: keyLocationOf(raw, key) ?? location,
    ...(suggestion ? { hint: `did you mean '${suggestion}'?` } : {}),
  });
}

function resolveModule(key: string, raw: Record<string, unknown>, location: SourceLocation): AnyModule {
  const module = findModule(key);
  if (!module) throw unknownAction(key, raw, location);
  return module;
}

/** `action: copy src=a dest=b` or `action: { module: copy, src: a }`. */
function splitActionKeyword(spec: unknown, location: SourceLocation): { moduleKey: string; args: unknown } {
  if (typeof spec === "string") {
    const [name, ...rest] = spec.trim().split(/\s+/);
    return { moduleKey: name ?? "", args: rest.join(" ") };
  }
  if (spec && typeof spec === "object" && !Array.isArray(spec) && "module" in spec) {
    const { module, ...args } = spec as Record<string, unknown>;
    return { moduleKey: String(module), args };
  }
  throw new TsibleError("action must be a string or a mapping with 'module'", { kind: "parse", location });
}

/** A module's arguments as a mapping: free-form strings parsed, `args:` merged in. */
function moduleArguments(
  module: AnyModule,
  args: unknown,
  raw: Record<string, unknown>,
  key: string,
  location: SourceLocation,
): Record<string, unknown> {
  const known = Object.keys((module.schema.properties as Record<string, unknown> | undefined) ?? {});
  let out: Record<string, unknown>;
  if (args === null || args === undefined) out = {};
  else if (typeof args === "string") out = parseFreeForm(args, module.freeForm ?? "kv", known);
  else if (typeof args === "object" && !Array.isArray(args)) {
    out = { ...(args as Record<string, unknown>) };
    copyLocations(args, out);
  } else {
    throw new TsibleError(`arguments of '${key}' must be a mapping or a string`, {
      kind: "parse",
      location: locationOf(raw, key) ?? location,
    });
  }
  if (raw.args && typeof raw.args === "object") Object.assign(out, raw.args);
  return out;
}

function loadMeta(
  args: unknown,
  base: ReturnType<typeof nodeBase>,
  raw: Record<string, unknown>,
  location: SourceLocation,
): MetaSpec {
  const action = String(args) as MetaSpec["action"];
  if (!META_ACTIONS.has(action)) {
    const suggestion = didYouMean(action, META_ACTIONS);
    throw new TsibleError(`unknown meta action '${action}'`, {
      kind: "parse",
      location: locationOf(raw, "meta") ?? location,
      ...(suggestion ? { hint: `did you mean '${suggestion}'?` } : {}),
    });
  }
  return { type: "meta", ...base, action };
}

function loadInclude(
  key: string,
  args: unknown,
  raw: Record<string, unknown>,
  base: ReturnType<typeof nodeBase>,
  ctx: LoadContext,
  location: SourceLocation,
  loopKey: string | undefined,
): TaskNode[] {
  const options: Record<string, unknown> =
    typeof args === "string" ? { _target: args } : { ...((args as Record<string, unknown>) ?? {}) };
  const isRole = key.endsWith("_role");
  const target = options._target ?? (isRole ? options.name : (options.file ?? options._raw_params));
  if (typeof target !== "string" || !target) {
    throw new TsibleError(`${key} needs ${isRole ? "a role name ('name:')" : "a file name"}`, {
      kind: "parse",
      location: locationOf(raw, key) ?? location,
    });
  }
  const isStatic = key.startsWith("import_");
  if (isStatic && loopKey) {
    throw new TsibleError(`${key} cannot be used with loops; use ${key.replace("import_", "include_")}`, {
      kind: "parse",
      location: keyLocationOf(raw, loopKey) ?? location,
    });
  }
  if (isStatic) {
    if (target.includes("{{")) {
      throw new TsibleError(`${key} is static: its file cannot use variables ('${target}')`, {
        kind: "parse",
        location: locationOf(raw, key) ?? location,
        hint: `use ${key.replace("import_", "include_")} to pick the file at run time`,
      });
    }
    const parent = childParent(ctx.parent, base);
    if (isRole) {
      const role = loadRoleInto(target, options, ctx, parent, location);
      return role;
    }
    const path = isAbsolute(target) ? target : join(ctx.baseDir, target);
    const block: BlockSpec = {
      type: "block",
      ...base,
      block: loadTaskFile(path, ctx, parent, ctx.parent.role ? ctx.baseDir : undefined),
      rescue: [],
      always: [],
    };
    return [block];
  }
  // what is left after the target's own keys are the include's options (tasks_from, apply…)
  const rest = Object.fromEntries(
    Object.entries(options).filter(([k]) => !["_target", "name", "file", "_raw_params"].includes(k)),
  );
  return [
    {
      type: key === "include_role" ? "include_role" : "include_tasks",
      ...base,
      target,
      options: rest,
      baseDir: ctx.baseDir,
      ...(loopKey ? { loop: raw[loopKey], loopKind: loopKey as TaskSpec["loopKind"] } : {}),
      ...(raw.loop_control !== undefined ? { loopControl: raw.loop_control as Record<string, unknown> } : {}),
    },
  ];
}

export function conditionList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((t) =>
    String(t)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
