import { booleanOption, toBool } from "./common/args.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { commandOptions, runCommand } from "./common/run-command.js";
import { shellQuote, shellQuoteExpandingVars, shellSplit } from "./common/shell-words.js";
import type { ModuleDefinition } from "./types.js";

export interface CommandArgs {
  _raw_params?: string;
  cmd?: string;
  argv?: unknown[];
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: unknown;
  strip_empty_ends?: unknown;
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
    stdin_add_newline: booleanOption("end stdin with a newline"),
    strip_empty_ends: booleanOption("strip trailing newlines from stdout and stderr"),
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
      return runCommand(ctx, {
        line: words.map(quote).join(" "),
        cmd: words,
        ...(args.chdir === undefined ? {} : { chdir: args.chdir }),
        ...(args.creates === undefined ? {} : { creates: args.creates }),
        ...(args.removes === undefined ? {} : { removes: args.removes }),
        ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
        stdinAddNewline: args.stdin_add_newline,
        stripEmptyEnds: args.strip_empty_ends,
      });
    }),
};
