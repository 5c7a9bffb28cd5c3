import { booleanOption } from "./common/args.js";
import type { ModuleDefinition } from "./types.js";

type Condition = string | boolean;

export interface AssertArgs {
  that: Condition | Condition[];
  fail_msg?: string | string[];
  msg?: string | string[];
  success_msg?: string | string[];
  quiet?: unknown;
}

const condition = { type: ["string", "boolean"] };
const message = { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };

const schema = {
  type: "object",
  properties: {
    that: { anyOf: [condition, { type: "array", items: condition, minItems: 1 }] },
    fail_msg: message,
    msg: message,
    success_msg: message,
    quiet: booleanOption("accepted; output verbosity is the renderer's business"),
  },
  required: ["that"],
  additionalProperties: false,
};

/** Ansible's `assert`: each condition in `that` must hold; the first that does not fails the task. */
export const assertModule: ModuleDefinition<AssertArgs> = {
  name: "assert",
  schema,
  rawArgs: ["that"],
  controllerOnly: true,
  run: async (ctx, args) => {
    const thats = Array.isArray(args.that) ? args.that : [args.that];
    for (const that of thats) {
      if (!ctx.condition(that)) {
        return {
          changed: false,
          failed: true,
          evaluated_to: false,
          assertion: that,
          msg: (args.fail_msg ?? args.msg ?? "Assertion failed") as string,
        };
      }
    }
    return { changed: false, msg: (args.success_msg ?? "All assertions passed") as string };
  },
};
