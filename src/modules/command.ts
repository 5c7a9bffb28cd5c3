import { booleanOption, toBool } from "./common/args.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { type CommandOptionArgs, commandOptions, commandRun, runCommand } from "./common/run-command.js";
import { shellQuote, shellQuoteExpandingVars, shellSplit } from "./common/shell-words.js";
import type { ModuleDefinition } from "./types.js";

export interface CommandArgs extends CommandOptionArgs {
  _raw_params?: string;
  cmd?: string;
  argv?: unknown[];
  expand_argument_vars?: unknown;
}

const schema = {
  type: "object",
  properties: {
    _raw_params: { type: "string" },
    cmd: {
      type: "string",
      description: "the command line, split into words like a shell would, without shell features",
    },
    argv: {
      type: "array",
      items: { type: ["string", "number", "boolean"] },
      minItems: 1,
      description: "the command as a list of words",
    },
    ...commandOptions,
    expand_argument_vars: booleanOption("expand $VARS and ~ in the words, as Ansible does"),
  },
  additionalProperties: false,
};

/**
 * Ansible's `command`: runs a program with arguments and no shell. The words are split like
 * Python's shlex and each is quoted for the host's sh, so pipes, redirections and `;` are plain
 * arguments; only `$VAR` and a leading `~` are expanded, as Ansible does.
 */
export const commandModule: ModuleDefinition<CommandArgs> = {
  name: "command",
  schema,
  freeForm: "command",
  run: (ctx, args) =>
    guarded(async () => {
      const text = args._raw_params ?? args.cmd;
      if ((text === undefined || text.trim() === "") && !args.argv)
        throw new ModuleFailure("no command given", { rc: 256 });
      if (text !== undefined && args.argv)
        throw new ModuleFailure("only command or argv can be given, not both", { rc: 256 });
      const words = args.argv ? args.argv.map(String) : shellSplit(text!);
      const quote = toBool(args.expand_argument_vars, true) ? shellQuoteExpandingVars : shellQuote;
      return runCommand(ctx, commandRun(words.map(quote).join(" "), words, args));
    }),
};
