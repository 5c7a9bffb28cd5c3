import { isTsibleError, TsibleError } from "../errors.js";
import { useParseCache } from "../load/files.js";
import { openParseCache } from "../load/parse-cache.js";
import { TSIBLE_BUILD_ID, TSIBLE_VERSION } from "../version.js";
import { displayError } from "./error-display.js";
import type { CliIO } from "./io.js";

const HELP = `tsible ${TSIBLE_VERSION} — Ansible-style playbooks, in TypeScript

usage:
  tsible run PLAYBOOK -i INVENTORY [--check] [--diff] [options]   run a playbook (tsible run --help)
  tsible vault encrypt|decrypt|view|edit|rekey|encrypt_string ...  encrypted files and values
  tsible inventory -i INVENTORY --list | --graph [GROUP] | --host HOST   show an inventory
  tsible lock status|release -i INVENTORY [--limit HOSTS] [--force]     the hosts' run locks
  tsible init role NAME [--path roles]                           scaffold a new role
  tsible lint [PLAYBOOK|FOLDER...]                               check playbooks and roles (default: playbooks/)
  tsible schema [--out schemas]                                  write JSON Schemas for editors
  tsible --version
`;

/** Exit codes for errors that stop a run before or outside a playbook (as ansible-playbook). */
const ERROR_EXIT: Record<string, number> = { parse: 4, usage: 5 };

/** The CLI: the only place that turns errors into exit codes. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const verbose = argv.some((a) => /^-v{3,}$/.test(a));
  useParseCache(openParseCache(io.env, TSIBLE_BUILD_ID));
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case "--version":
      case "version":
        io.out(`tsible ${TSIBLE_VERSION}\n`);
        return 0;
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.out(HELP);
        return command === undefined ? 5 : 0;
      case "run":
        if (rest.includes("--help") || rest.includes("-h")) {
          io.out((await import("./args.js")).RUN_HELP);
          return 0;
        }
        return await (await import("./run-command.js")).runCommand(rest, io);
      case "vault":
        return await (await import("../vault/index.js")).runVaultCommand(rest, io.vault);
      case "inventory":
        if (rest.includes("--help") || rest.includes("-h")) {
          io.out((await import("./inventory-command.js")).INVENTORY_HELP);
          return 0;
        }
        return await (await import("./inventory-command.js")).inventoryCommand(rest, io);
      case "lock":
        if (rest.includes("--help") || rest.includes("-h")) {
          io.out((await import("./lock-command.js")).LOCK_HELP);
          return 0;
        }
        return await (await import("./lock-command.js")).lockCommand(rest, io);
      case "init":
        return (await import("./init-role.js")).initCommand(rest, io);
      case "lint":
        return (await import("./lint.js")).lintCommand(rest, io);
      case "schema":
        return (await import("./schema-command.js")).schemaCommand(rest, io);
      default:
        throw new TsibleError(`unknown command '${command}'`, {
          kind: "usage",
          hint: "tsible run PLAYBOOK -i INVENTORY",
        });
    }
  } catch (err) {
    if (isTsibleError(err)) {
      io.err(`${displayError(err, verbose)}\n`);
      return ERROR_EXIT[err.kind] ?? 1;
    }
    const e = err as Error;
    io.err(
      `ERROR! unexpected error: ${e?.message ?? String(err)}\n${verbose ? `${e?.stack ?? ""}\n` : "  (run with -vvv for the stack trace)\n"}`,
    );
    return 1;
  }
}
