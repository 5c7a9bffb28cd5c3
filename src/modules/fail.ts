import type { ModuleDefinition } from "./types.js";

export interface FailArgs {
  msg?: unknown;
}

/** Ansible's `fail`: fails the task with a message. */
export const failModule: ModuleDefinition<FailArgs> = {
  name: "fail",
  schema: {
    type: "object",
    properties: { msg: { description: "the failure message" } },
    additionalProperties: false,
  },
  controllerOnly: true,
  run: async (_ctx, args) => ({
    changed: false,
    failed: true,
    msg: (args.msg ?? "Failed as requested from task") as string,
  }),
};
