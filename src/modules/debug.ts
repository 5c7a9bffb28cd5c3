import { isTsibleError } from "../errors.js";
import { integerOption, toInt } from "./common/args.js";
import type { ModuleDefinition, ModuleResult } from "./types.js";

export interface DebugArgs {
  msg?: unknown;
  var?: string;
  verbosity?: number | string;
}

const schema = {
  type: "object",
  properties: {
    msg: { description: "what to print (any value)" },
    var: { type: "string", description: "an expression to print, under its own text as the key" },
    verbosity: integerOption("print only with at least this many -v"),
  },
  additionalProperties: false,
};

/** The expression inside a value that is exactly one `{{ expr }}`, else the text itself. */
function bareExpression(text: string): string {
  const whole = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return whole ? whole[1]!.trim() : text.trim();
}

/** Ansible's `debug`: prints `msg`, or the value of the expression `var`; never changes anything. */
export const debugModule: ModuleDefinition<DebugArgs> = {
  name: "debug",
  schema,
  rawArgs: ["var"],
  controllerOnly: true,
  run: async (ctx, args) => {
    if (args.msg !== undefined && args.var !== undefined)
      return { changed: false, failed: true, msg: "'msg' and 'var' are incompatible options" };
    if (toInt(args.verbosity, 0) > (ctx.verbosity ?? 0))
      return { changed: false, skipped: true, skipped_reason: "Verbosity threshold not met." };
    // msg may be any value (a list, a mapping), as in Ansible; renderers print non-strings as data
    if (args.var === undefined) return { changed: false, msg: (args.msg ?? "Hello world!") as string };
    const result: ModuleResult = { changed: false };
    try {
      result[args.var] = ctx.evaluate(bareExpression(args.var));
    } catch (err) {
      if (!isTsibleError(err) || err.kind !== "undefined") throw err;
      result[args.var] =
        (ctx.verbosity ?? 0) > 0 ? `VARIABLE IS NOT DEFINED!: ${err.message}` : "VARIABLE IS NOT DEFINED!";
    }
    return result;
  },
};
