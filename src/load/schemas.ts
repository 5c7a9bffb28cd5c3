import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from "ajv";
import { didYouMean, type SourceLocation, TsibleError } from "../errors.js";
import { keyLocationOf, locationOf } from "./locations.js";
import { validators } from "./validators.generated.js";

type Schema = Record<string, unknown>;

// Values may be templated (`become: "{{ use_sudo }}"`), so scalars also accept strings.
const boolish: Schema = { type: ["boolean", "string"] };
const intish: Schema = { type: ["integer", "string"] };
const stringList: Schema = { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };
const tagList: Schema = {
  anyOf: [{ type: ["string", "number"] }, { type: "array", items: { type: ["string", "number"] } }],
};
const condition: Schema = { anyOf: [{ type: ["string", "boolean", "number"] }, { type: "array" }] };
const varsMap: Schema = { type: ["object", "null"] };

/** Keywords valid on plays, blocks and tasks alike. */
const commonKeywords: Record<string, Schema> = {
  name: { type: ["string", "number"] },
  become: boolish,
  become_user: { type: "string" },
  become_method: { enum: ["sudo"] },
  become_flags: { type: "string" },
  become_exe: { type: "string" },
  check_mode: boolish,
  diff: boolish,
  no_log: boolish,
  ignore_errors: boolish,
  ignore_unreachable: boolish,
  any_errors_fatal: boolish,
  environment: { type: ["object", "string", "array"] },
  tags: tagList,
  vars: varsMap,
  run_once: boolish,
  delegate_to: { type: "string" },
  delegate_facts: boolish,
  remote_user: { type: "string" },
  connection: { enum: ["ssh", "local", "paramiko"] },
  port: intish,
  collections: { type: "array" },
  module_defaults: { type: "object" },
  throttle: intish,
  timeout: intish,
  debugger: { type: "string" },
};

export const taskKeywords: Record<string, Schema> = {
  ...commonKeywords,
  when: condition,
  loop: {},
  loop_control: {
    type: "object",
    properties: {
      loop_var: { type: "string" },
      index_var: { type: "string" },
      label: {},
      pause: { type: ["number", "string"] },
      extended: boolish,
      extended_allitems: boolish,
    },
    additionalProperties: false,
  },
  register: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
  notify: stringList,
  listen: stringList,
  changed_when: condition,
  failed_when: condition,
  until: condition,
  retries: intish,
  delay: { type: ["number", "string"] },
  args: { type: ["object", "string"] },
  async: intish,
  poll: intish,
  local_action: {},
  action: {},
};

export const blockKeywords: Record<string, Schema> = {
  ...commonKeywords,
  when: condition,
  block: { type: "array" },
  rescue: { type: ["array", "null"] },
  always: { type: ["array", "null"] },
  notify: stringList,
};

export const playKeywords: Record<string, Schema> = {
  ...commonKeywords,
  hosts: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
  gather_facts: boolish,
  gather_subset: {},
  gather_timeout: {},
  fact_path: {},
  vars_files: { anyOf: [{ type: "string" }, { type: "array" }] },
  vars_prompt: { type: "array" },
  roles: { type: ["array", "null"] },
  pre_tasks: { type: ["array", "null"] },
  tasks: { type: ["array", "null"] },
  post_tasks: { type: ["array", "null"] },
  handlers: { type: ["array", "null"] },
  serial: { anyOf: [{ type: ["integer", "string"] }, { type: "array" }] },
  max_fail_percentage: { type: ["number", "string"] },
  force_handlers: boolish,
  order: { enum: ["inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"] },
  strategy: { enum: ["linear", "free"] },
  import_playbook: { type: "string" },
  when: condition,
};

export function objectSchema(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: "object", properties, required, additionalProperties: false };
}

/** The options every validator is compiled with, here and at build time. */
export const AJV_OPTIONS = { allErrors: false, strict: false, allowUnionTypes: true, validateSchema: false };

/** The key of a schema among the validators compiled at build time. */
export function schemaKey(schema: Schema): string {
  return createHash("sha256").update(JSON.stringify(schema)).digest("hex").slice(0, 24);
}

/**
 * Validators that `npm run build` compiled ahead (scripts/compile-validators.mjs): compiling the
 * keyword and module schemas at every start cost 100-250 ms. A schema not among them (the source
 * tree's empty placeholder, a changed schema) is compiled here as before.
 */
const precompiled = validators;

const compiled = new WeakMap<Schema, ValidateFunction>();
let ajv: AjvClass | undefined;

function compile(schema: Schema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = precompiled[schemaKey(schema)];
    if (!fn) {
      // our schemas are fixed and tested: no meta-schema check at every start (~60 ms)
      const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
      ajv ??= new Ajv(AJV_OPTIONS);
      fn = ajv.compile(schema);
    }
    compiled.set(schema, fn);
  }
  return fn;
}

/**
 * Validates `value` against a JSON Schema; the first problem becomes a TsibleError pointing at
 * the offending key or value in the YAML source. `what` names the thing ("task", "module copy").
 */
export function validateWithSchema(
  schema: Schema,
  value: unknown,
  what: string,
  fallback?: SourceLocation,
): void {
  const validate = compile(schema);
  if (validate(value)) return;
  const error = validate.errors?.[0];
  if (!error) return;
  throw schemaError(error, value, what, schema, fallback);
}

function schemaError(
  error: ErrorObject,
  root: unknown,
  what: string,
  schema: Schema,
  fallback?: SourceLocation,
): TsibleError {
  const path = error.instancePath.split("/").slice(1).map(decodePointer);
  let parent: unknown = root;
  for (const part of path.slice(0, -1)) parent = (parent as Record<string, unknown>)?.[part];
  const last = path.at(-1);
  const where = (last === undefined ? locationOf(root) : locationOf(parent, last)) ?? fallback;
  const field = path.length ? `'${path.join(".")}'` : what;
  if (error.keyword === "additionalProperties") {
    const extra = String(error.params.additionalProperty);
    const target = last === undefined ? root : (parent as Record<string, unknown>)[last];
    const known = Object.keys(propertiesAt(schema, path) ?? {});
    const suggestion = didYouMean(extra, known);
    return new TsibleError(`${what}: unknown option '${extra}'${path.length ? ` in ${field}` : ""}`, {
      kind: "parse",
      location: keyLocationOf(target, extra) ?? where,
      hint: suggestion ? `did you mean '${suggestion}'?` : `valid options: ${known.join(", ")}`,
    });
  }
  if (error.keyword === "required") {
    return new TsibleError(`${what}: missing required option '${String(error.params.missingProperty)}'`, {
      kind: "parse",
      ...(where ? { location: where } : {}),
    });
  }
  if (error.keyword === "enum") {
    const allowed = (error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
    return new TsibleError(`${what}: ${field} must be one of ${allowed}`, {
      kind: "parse",
      ...(where ? { location: where } : {}),
    });
  }
  return new TsibleError(`${what}: ${field} ${error.message ?? "is invalid"}`, {
    kind: "parse",
    ...(where ? { location: where } : {}),
  });
}

function decodePointer(part: string): string {
  return part.replace(/~1/g, "/").replace(/~0/g, "~");
}

function propertiesAt(schema: Schema, path: string[]): Record<string, unknown> | undefined {
  let node: Schema | undefined = schema;
  for (const part of path) {
    const props = node?.properties as Record<string, Schema> | undefined;
    node = props?.[part];
  }
  return node?.properties as Record<string, unknown> | undefined;
}
