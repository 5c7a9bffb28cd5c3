import { booleanOption, toBool } from "./common/args.js";
import type { ModuleDefinition } from "./types.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BOOLEAN_WORDS = new Set(["true", "false", "yes", "no"]);

/** Ansible's `set_fact`: every argument becomes a host variable (`ansible_facts` of the result). */
export const setFactModule: ModuleDefinition<Record<string, unknown>> = {
  name: "set_fact",
  schema: {
    type: "object",
    properties: { cacheable: booleanOption("accepted; facts are kept for the run") },
    minProperties: 1,
    additionalProperties: true,
  },
  controllerOnly: true,
  run: async (_ctx, args) => {
    const { cacheable, ...facts } = args;
    const names = Object.keys(facts);
    if (names.length === 0)
      return {
        changed: false,
        failed: true,
        msg: "No key/value pairs provided, at least one is required for this action to succeed",
      };
    const out: Record<string, unknown> = Object.create(null);
    for (const name of names) {
      if (!IDENTIFIER.test(name)) {
        return {
          changed: false,
          failed: true,
          msg: `The variable name '${name}' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.`,
        };
      }
      const value = facts[name];
      // Ansible (without jinja2 native) turns these strings into booleans
      out[name] =
        typeof value === "string" && BOOLEAN_WORDS.has(value.toLowerCase())
          ? ["true", "yes"].includes(value.toLowerCase())
          : value;
    }
    return { changed: false, ansible_facts: out, _ansible_facts_cacheable: toBool(cacheable, false) };
  },
};
