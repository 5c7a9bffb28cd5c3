import type { SourceLocation } from "../errors.js";
import type { AnyModule } from "../modules/types.js";

/** Keywords that can be set on plays, blocks, roles and tasks and are inherited downwards. */
export interface InheritedKeywords {
  become?: unknown;
  become_user?: unknown;
  become_method?: unknown;
  become_flags?: unknown;
  check_mode?: unknown;
  diff?: unknown;
  no_log?: unknown;
  ignore_errors?: unknown;
  ignore_unreachable?: unknown;
  any_errors_fatal?: unknown;
  environment?: unknown;
  run_once?: unknown;
  delegate_to?: unknown;
  throttle?: unknown;
}

/** The inherited keywords, in one list for plays, blocks, roles and tasks. */
export const INHERITED_KEYWORDS: ReadonlyArray<keyof InheritedKeywords> = [
  "become",
  "become_user",
  "become_method",
  "become_flags",
  "check_mode",
  "diff",
  "no_log",
  "ignore_errors",
  "ignore_unreachable",
  "any_errors_fatal",
  "environment",
  "run_once",
  "delegate_to",
  "throttle",
];

/** A role as loaded from disk: its folders, variables and task lists. */
export interface Role {
  name: string;
  path: string;
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Role parameters given where the role is used (`roles: [{ role: x, port: 1 }]`). */
  params: Record<string, unknown>;
  handlers: TaskNode[];
}

/** Everything a task inherits from the blocks, includes and roles it sits in. */
export interface TaskParent {
  role?: Role;
  /** `vars:` of enclosing blocks and includes, outermost first. */
  vars: Array<Record<string, unknown>>;
  /** Conditions of enclosing blocks and static imports, all ANDed with the task's own. */
  when: unknown[];
  tags: string[];
  keywords: InheritedKeywords;
}

interface NodeBase {
  name?: string;
  location: SourceLocation;
  parent: TaskParent;
  /** The node's own keywords (a task's when/tags are also folded into parent for children). */
  when: unknown[];
  tags: string[];
  vars: Record<string, unknown>;
  keywords: InheritedKeywords;
}

export interface TaskSpec extends NodeBase {
  type: "task";
  module: AnyModule;
  /** The module name as written (`ansible.builtin.copy`), for output. */
  moduleName: string;
  args: unknown;
  loop?: unknown;
  /** `with_items` flattens one level, `with_list` does not. */
  loopKind?:
    | "loop"
    | "with_items"
    | "with_list"
    | "with_dict"
    | "with_together"
    | "with_sequence"
    | "with_fileglob";
  loopControl?: Record<string, unknown>;
  register?: string;
  notify: string[];
  changedWhen?: unknown;
  failedWhen?: unknown;
  until?: unknown;
  retries?: unknown;
  delay?: unknown;
  /** Handlers only: topics this handler listens to. */
  listen: string[];
}

export interface BlockSpec extends NodeBase {
  type: "block";
  block: TaskNode[];
  rescue: TaskNode[];
  always: TaskNode[];
}

/** `include_tasks` / `include_role`: resolved per host when the run reaches it. */
export interface IncludeSpec extends NodeBase {
  type: "include_tasks" | "include_role";
  /** The file (include_tasks) or role name (include_role), possibly templated. */
  target: unknown;
  /** include_role: tasks_from, vars_from, defaults_from, handlers_from. */
  options: Record<string, unknown>;
  loop?: unknown;
  loopKind?: TaskSpec["loopKind"];
  loopControl?: Record<string, unknown>;
  /** The folder relative paths are resolved from. */
  baseDir: string;
}

/** `meta: flush_handlers` and friends. */
export interface MetaSpec extends NodeBase {
  type: "meta";
  action:
    | "flush_handlers"
    | "noop"
    | "end_play"
    | "end_host"
    | "clear_host_errors"
    | "refresh_inventory"
    | "end_batch";
}

export type TaskNode = TaskSpec | BlockSpec | IncludeSpec | MetaSpec;

export interface PlaySpec {
  name: string;
  hosts: unknown;
  location: SourceLocation;
  file: string;
  vars: Record<string, unknown>;
  varsFiles: unknown[];
  /** Role defaults and vars of every role the play uses, in order (later roles win). */
  roles: Role[];
  preTasks: TaskNode[];
  /** The play's roles' tasks followed by its own tasks: one section, as Ansible runs them. */
  tasks: TaskNode[];
  postTasks: TaskNode[];
  handlers: TaskNode[];
  serial?: unknown;
  gatherFacts: boolean;
  anyErrorsFatal: boolean;
  maxFailPercentage?: number;
  forceHandlers: boolean;
  order: string;
  tags: string[];
  keywords: InheritedKeywords;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: PlaySpec[];
}
