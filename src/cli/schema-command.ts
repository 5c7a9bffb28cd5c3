import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TsibleError } from "../errors.js";
import { blockKeywords, playKeywords, taskKeywords } from "../load/schemas.js";
import { INCLUDE_KEYS, LOOP_KEYS, META_ACTIONS } from "../load/tasks.js";
import { findModule, moduleNames } from "../modules/registry.js";
import type { CliIO } from "./io.js";

type Schema = Record<string, unknown>;

const DRAFT = "http://json-schema.org/draft-07/schema#";
const BASE_ID = "https://tsible.dev/schemas/";
const PREFIXES = ["ansible.builtin."];

/** `tsible schema [--out DIR]`: writes the editor schemas (default: schemas/). */
export function schemaCommand(argv: string[], io: CliIO): number {
  let out = "schemas";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--out" || arg === "-o") {
      const value = argv[++i];
      if (value === undefined) throw new TsibleError(`${arg} needs a folder`, { kind: "usage" });
      out = value;
    } else
      throw new TsibleError(`unknown argument '${arg}'`, {
        kind: "usage",
        hint: "tsible schema [--out DIR]",
      });
  }
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  for (const [file, schema] of Object.entries(editorSchemas())) {
    writeFileSync(join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
    io.out(`wrote ${join(out, file)}\n`);
  }
  return 0;
}

/** The JSON Schemas for editors, built from the loader's keyword schemas and every module's schema. */
export function editorSchemas(): Record<string, Schema> {
  const definitions = taskDefinitions();
  return {
    "playbook.schema.json": {
      $schema: DRAFT,
      $id: `${BASE_ID}playbook.schema.json`,
      title: "tsible playbook",
      type: "array",
      items: { $ref: "#/definitions/play" },
      definitions: { ...definitions, play: playSchema() },
    },
    "tasks.schema.json": {
      $schema: DRAFT,
      $id: `${BASE_ID}tasks.schema.json`,
      title: "tsible task file (a role's tasks/ or handlers/, an imported task list)",
      type: ["array", "null"],
      items: { $ref: "#/definitions/taskOrBlock" },
      definitions,
    },
    "inventory.schema.json": inventorySchema(),
  };
}

function taskList(): Schema {
  return { type: ["array", "null"], items: { $ref: "#/definitions/taskOrBlock" } };
}

function playSchema(): Schema {
  const properties: Record<string, Schema> = { ...playKeywords };
  for (const key of ["pre_tasks", "tasks", "post_tasks", "handlers"]) properties[key] = taskList();
  properties.roles = {
    type: ["array", "null"],
    items: {
      anyOf: [
        { type: "string" },
        {
          type: "object",
          properties: { role: { type: "string" }, name: { type: "string" }, ...commonOf(taskKeywords) },
        },
      ],
    },
  };
  return { type: "object", properties, additionalProperties: false };
}

/** Keywords of a roles: entry (when, tags, vars, become...). */
function commonOf(keywords: Record<string, Schema>): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const key of [
    "when",
    "tags",
    "vars",
    "become",
    "become_user",
    "no_log",
    "ignore_errors",
    "delegate_to",
  ])
    if (keywords[key]) out[key] = keywords[key]!;
  return out;
}

function taskDefinitions(): Record<string, Schema> {
  // each module's options once, referenced by its short and its ansible.builtin. name
  const modules: Record<string, Schema> = {};
  const moduleDefs: Record<string, Schema> = {};
  for (const name of moduleNames()) {
    const mod = findModule(name);
    if (!mod) continue;
    moduleDefs[`module_${name}`] = {
      description: `${mod.name} module`,
      anyOf: [
        { type: "string", description: "free-form arguments (key=value ...)" },
        templatable(mod.schema),
        { type: "null" },
      ],
    };
    const ref = { $ref: `#/definitions/module_${name}` };
    modules[name] = ref;
    for (const prefix of PREFIXES) modules[`${prefix}${name}`] = ref;
  }
  const includes: Record<string, Schema> = {};
  for (const key of INCLUDE_KEYS) includes[key] = { type: ["string", "object"] };
  const loops: Record<string, Schema> = {};
  for (const key of LOOP_KEYS) loops[key] = {};
  const blockProps: Record<string, Schema> = { ...blockKeywords };
  for (const key of ["block", "rescue", "always"]) blockProps[key] = taskList();
  return {
    ...moduleDefs,
    taskOrBlock: { anyOf: [{ $ref: "#/definitions/block" }, { $ref: "#/definitions/task" }] },
    block: { type: "object", properties: blockProps, required: ["block"], additionalProperties: false },
    task: {
      type: "object",
      properties: {
        ...taskKeywords,
        ...loops,
        ...includes,
        meta: { enum: [...META_ACTIONS] },
        ...modules,
      },
      not: { required: ["block"] },
      additionalProperties: false,
    },
  };
}

/** Module options may be written as `{{ expression }}`: such strings are accepted for any option. */
function templatable(schema: Schema): Schema {
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!properties) return schema;
  const out: Record<string, Schema> = {};
  for (const [key, prop] of Object.entries(properties)) {
    out[key] = { anyOf: [prop, { type: "string", pattern: "\\{\\{" }] };
  }
  return { ...schema, properties: out };
}

function inventorySchema(): Schema {
  const vars: Schema = { type: ["object", "null"] };
  return {
    $schema: DRAFT,
    $id: `${BASE_ID}inventory.schema.json`,
    title: "tsible YAML inventory",
    type: "object",
    additionalProperties: { $ref: "#/definitions/group" },
    definitions: {
      group: {
        type: ["object", "null"],
        properties: {
          hosts: { type: ["object", "null"], additionalProperties: { $ref: "#/definitions/hostVars" } },
          children: { type: ["object", "null"], additionalProperties: { $ref: "#/definitions/group" } },
          vars,
        },
        additionalProperties: false,
      },
      hostVars: {
        type: ["object", "null"],
        properties: {
          ansible_host: { type: "string" },
          ansible_port: { type: ["integer", "string"] },
          ansible_user: { type: "string" },
          ansible_connection: { enum: ["ssh", "local"] },
          ansible_ssh_private_key_file: { type: "string" },
          ansible_become: { type: ["boolean", "string"] },
          ansible_become_user: { type: "string" },
          ansible_become_password: { type: "string" },
          ansible_python_interpreter: { type: "string" },
        },
      },
    },
  };
}
