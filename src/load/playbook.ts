import { dirname, isAbsolute, join, resolve } from "node:path";
import { TsibleError } from "../errors.js";
import { type LoadContext, type LoadOptions, rootParent } from "./context.js";
import { readYamlFile } from "./files.js";
import { locationOf } from "./locations.js";
import {
  INHERITED_KEYWORDS,
  type InheritedKeywords,
  type Playbook,
  type PlaySpec,
  type TaskNode,
} from "./model.js";
import { loadPlayRole } from "./roles.js";
import { objectSchema, playKeywords, validateWithSchema } from "./schemas.js";
import { conditionList, loadTaskList, tagList } from "./tasks.js";

const playSchema = objectSchema(playKeywords);

/** Loads and validates a playbook, its imported playbooks, roles and task files. */
export function loadPlaybook(path: string, options: LoadOptions = {}, seen: string[] = []): Playbook {
  const file = resolve(path);
  if (seen.includes(file)) {
    throw new TsibleError(`playbook imports itself: ${[...seen, file].join(" -> ")}`, { kind: "parse" });
  }
  const data = readYamlFile(file, options.decrypt);
  const dir = dirname(file);
  if (!Array.isArray(data)) {
    throw new TsibleError("a playbook must be a list of plays", {
      kind: "parse",
      location: locationOf(data) ?? { file, line: 1, col: 1 },
      hint: "start each play with '- hosts: ...'",
    });
  }
  const plays: PlaySpec[] = [];
  data.forEach((raw, i) => {
    const where = locationOf(data, i) ?? { file, line: 1, col: 1 };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new TsibleError("a play must be a mapping", { kind: "parse", location: where });
    }
    const play = raw as Record<string, unknown>;
    if ("import_playbook" in play) {
      const target = String(play.import_playbook);
      const imported = loadPlaybook(isAbsolute(target) ? target : join(dir, target), options, [
        ...seen,
        file,
      ]);
      plays.push(...imported.plays);
      return;
    }
    plays.push(loadPlay(play, file, dir, options));
  });
  return { file, dir, plays };
}

function loadPlay(raw: Record<string, unknown>, file: string, dir: string, options: LoadOptions): PlaySpec {
  const location = locationOf(raw) ?? { file, line: 1, col: 1 };
  validateWithSchema(playSchema, raw, "play", location);
  if (raw.hosts === undefined) {
    throw new TsibleError("play has no 'hosts'", {
      kind: "parse",
      location,
      hint: "add e.g. 'hosts: all' or 'hosts: localhost'",
    });
  }
  const keywords: InheritedKeywords = {};
  for (const key of INHERITED_KEYWORDS) if (key in raw) keywords[key] = raw[key];
  const tags = tagList(raw.tags);
  const vars = (raw.vars ?? {}) as Record<string, unknown>;
  const parent = { ...rootParent(), tags, keywords, when: conditionList(raw.when) };
  const collector = { roles: [], handlers: [] as TaskNode[] };
  const ctx: LoadContext = {
    options,
    playbookDir: dir,
    file,
    baseDir: dir,
    parent,
    play: collector,
    importing: [file],
  };
  const preTasks = loadTaskList(raw.pre_tasks, ctx, "pre_tasks");
  const roleTasks: TaskNode[] = [];
  const roles = raw.roles ?? [];
  if (!Array.isArray(roles)) {
    throw new TsibleError("roles must be a list", {
      kind: "parse",
      location: locationOf(raw, "roles") ?? location,
    });
  }
  roles.forEach((entry, i) => {
    roleTasks.push(...loadPlayRole(entry, ctx, locationOf(roles, i) ?? location));
  });
  const tasks = loadTaskList(raw.tasks, ctx, "tasks");
  const postTasks = loadTaskList(raw.post_tasks, ctx, "post_tasks");
  const handlers = [...collector.handlers, ...loadTaskList(raw.handlers, ctx, "handlers")];
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.join(",") : raw.hosts;
  return {
    name: raw.name !== undefined ? String(raw.name) : String(hosts),
    hosts,
    location,
    file,
    vars,
    varsFiles:
      raw.vars_files === undefined ? [] : Array.isArray(raw.vars_files) ? raw.vars_files : [raw.vars_files],
    roles: collector.roles,
    preTasks,
    tasks: [...roleTasks, ...tasks],
    postTasks,
    handlers,
    ...(raw.serial !== undefined ? { serial: raw.serial } : {}),
    gatherFacts: raw.gather_facts !== false && raw.gather_facts !== "no" && raw.gather_facts !== "false",
    anyErrorsFatal: raw.any_errors_fatal === true,
    ...(raw.max_fail_percentage !== undefined ? { maxFailPercentage: Number(raw.max_fail_percentage) } : {}),
    forceHandlers: raw.force_handlers === true,
    order: typeof raw.order === "string" ? raw.order : "inventory",
    tags,
    keywords,
  };
}
