import { guarded, ModuleFailure } from "./common/failure.js";
import { type CommandOptionArgs, commandOptions, commandRun, runCommand } from "./common/run-command.js";
import { shellQuote } from "./common/shell-words.js";
import type { ModuleDefinition } from "./types.js";

export interface ShellArgs extends CommandOptionArgs {
  _raw_params?: string;
  cmd?: string;
  executable?: string;
}

const schema = {
  type: "object",
  properties: {
    _raw_params: { type: "string" },
    cmd: { type: "string", description: "the shell command" },
    ...commandOptions,
    executable: { type: "string", description: "the shell to run the command with (default /bin/sh)" },
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
      return runCommand(ctx, commandRun(line, text, args));
    }),
};
