import type { HostFiles } from "../connection/host-files.js";
import type { BecomeSpec, Connection, ExecOptions, ExecResult } from "../connection/types.js";
import type { SourceLocation } from "../errors.js";

/** Ansible's diff shape: one entry per file (or attribute set) compared. */
export interface FileDiff {
  before?: string;
  after?: string;
  before_header?: string;
  after_header?: string;
  /** A note shown instead of a diff (binary or oversized content), as Ansible's `prepared`. */
  prepared?: string;
}

/** What a module returns; extra keys become the registered result (`register:`), as in Ansible. */
export interface ModuleResult {
  changed: boolean;
  failed?: boolean;
  /** Check mode for a module that cannot predict (command without creates/removes): "would run". */
  skipped?: boolean;
  msg?: string;
  diff?: FileDiff | FileDiff[];
  /** set_fact and friends: variables the engine stores for the host. */
  ansible_facts?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ModuleContext {
  /** inventory_hostname */
  readonly host: string;
  readonly conn: Connection;
  /** Check-mode aware file view of the host, honouring become. */
  readonly files: HostFiles;
  readonly check: boolean;
  readonly diff: boolean;
  /** How many `-v` the run has (debug's `verbosity`); 0 when absent. */
  readonly verbosity?: number;
  readonly become: BecomeSpec | undefined;
  readonly signal: AbortSignal;
  /** Where the task is written, for errors. */
  readonly location: SourceLocation | undefined;
  /** Runs a shell command on the host, applying the task's become. */
  exec(command: string, opts?: Omit<ExecOptions, "become">): Promise<ExecResult>;
  /** Evaluates an expression (no `{{ }}`) in the task's variables: debug `var`, assert `that`. */
  evaluate(expression: string): unknown;
  /** Evaluates a condition the way `when:` does. */
  condition(expression: string | boolean): boolean;
  /** Finds a file on the control machine: role `files/` or `templates/`, then the playbook's folder. */
  findLocal(kind: "files" | "templates", path: string): string;
  /** Renders a template file from the control machine with the task's variables. */
  renderTemplate(localPath: string): string;
  /** Marks values as secret so every output masks them. */
  addSecret(value: string): void;
  /** A progress line for long steps; renderers show it live. */
  progress(message: string): void;
}

export type JsonSchema = Record<string, unknown>;

export interface ModuleDefinition<A = Record<string, unknown>> {
  name: string;
  /** Other names it answers to (`synchronize` for rsync). `ansible.builtin.` prefixes resolve anyway. */
  aliases?: string[];
  /** JSON Schema (ajv) of the arguments, after free-form parsing. Unknown options are rejected. */
  schema: JsonSchema;
  /**
   * How a string argument (`command: ls -l`, `file: path=/x state=directory`) is read:
   * "command" keeps the text as `_raw_params` after taking known `key=value` options off its front;
   * "kv" (the default) parses `key=value` pairs.
   */
  freeForm?: "command" | "kv";
  /** Argument keys left as written, not `{{ }}`-rendered by the engine (assert's `that`). */
  rawArgs?: string[];
  /** Runs on the controller without touching the host (debug, set_fact, assert, fail). */
  controllerOnly?: boolean;
  run(ctx: ModuleContext, args: A): Promise<ModuleResult>;
}

/** A module of any argument type: the registry holds these; ajv checks the arguments before `run`. */
// biome-ignore lint/suspicious/noExplicitAny: each module has its own argument type
export type AnyModule = ModuleDefinition<any>;
