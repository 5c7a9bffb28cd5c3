import type { Role, TaskNode, TaskParent } from "./model.js";

/** Whole-file vault decryption, supplied by the CLI when a vault password is known. */
export type Decrypt = (text: string, file: string) => string;

export interface LoadOptions {
  decrypt?: Decrypt;
  /** Extra folders searched for roles (TSIBLE_ROLES_PATH / ANSIBLE_ROLES_PATH). */
  rolesPath?: string[];
  /** The project root, whose `roles/` is searched after the playbook's. */
  projectDir?: string;
}

/** What a play being loaded collects from the roles it meets (defaults, vars, handlers). */
export interface PlayCollector {
  roles: Role[];
  handlers: TaskNode[];
}

/** Where a task list is being read from. */
export interface LoadContext {
  options: LoadOptions;
  playbookDir: string;
  /** The file being read. */
  file: string;
  /** Relative `import_tasks`/`include_tasks` paths resolve from here. */
  baseDir: string;
  parent: TaskParent;
  play: PlayCollector;
  /** Files being imported, to refuse import cycles. */
  importing: string[];
}

export function rootParent(): TaskParent {
  return { vars: [], when: [], tags: [], keywords: {} };
}
