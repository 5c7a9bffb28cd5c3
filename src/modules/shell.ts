import { booleanOption } from "./common/args.js";
import { guarded, ModuleFailure } from "./common/failure.js";
import { commandOptions, runCommand } from "./common/run-command.js";
import { shellQuote } from "./common/shell-words.js";
import type { ModuleDefinition } from "./types.js";

export interface ShellArgs {
  _raw_params?: string;
  cmd?: string;
  chdir?: string;
  creates?: string;
  removes?: string;
  stdin?: string;
  stdin_add_newline?: unknown;
  strip_empty_ends?: unknown;
  executable?: string;
}

const schema = {
  type: "object",
  properties: {
    _raw_params: { type: "string" },
    cmd: { type: "string", description: "the shell command" },
    ...commandOptions,
    executable: { type: "string", description: "the shell to run the command with (default /bin/sh)" },
    stdin_add_newline: booleanOption("end stdin with a newline"),
    strip_empty_ends: booleanOption("strip trailing newlines from stdout and stderr"),
  },
  additionalProperties: false,
};

/** Ansible's `shell`: the text runs through the host's /bin/sh (or `executable`) with every shell feature. */
export const shellModule: ModuleDefinition<ShellArgs> = {
  name: "shell",
  schema,
  freeForm: "command",
  run: (ctx, args) =>
    guarded(async () => {
      const text = args._raw_params ?? args.cmd;
      if (text === undefined || text.trim() === "") throw new ModuleFailure("no command given", { rc: 256 });
      const line = args.executable ? `${shellQuote(args.executable)} -c ${shellQuote(text)}` : text;
      return runCommand(ctx, {
        line,
        cmd: text,
        ...(args.chdir === undefined ? {} : { chdir: args.chdir }),
        ...(args.creates === undefined ? {} : { creates: args.creates }),
        ...(args.removes === undefined ? {} : { removes: args.removes }),
        ...(args.stdin === undefined ? {} : { stdin: args.stdin }),
        stdinAddNewline: args.stdin_add_newline,
        stripEmptyEnds: args.strip_empty_ends,
      });
    }),
};
