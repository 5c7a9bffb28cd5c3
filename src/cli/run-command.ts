import { resolve } from "node:path";
import type { RunEvent } from "../engine/events.js";
import { runPlaybook } from "../engine/run.js";
import type { RunLockOptions } from "../engine/run-lock-hooks.js";
import { TsibleError } from "../errors.js";
import { loadInventory } from "../inventory/index.js";
import { loadPlaybook } from "../load/playbook.js";
import { EXIT_CHANGES } from "../output/plan.js";
import { createRunOutput } from "../output/select.js";
import { parseRunArgs, type RunArgs } from "./args.js";
import { connectHost } from "./connect.js";
import { parseExtraVars } from "./extra-vars.js";
import type { CliIO } from "./io.js";
import { listPlaybook } from "./list.js";
import { palette } from "./palette.js";
import { openVault } from "./vault-setup.js";

/** `tsible run`: load everything first (any error stops before a host is touched), then run. */
export async function runCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseRunArgs(argv);
  if (args.playbooks.length === 0)
    throw new TsibleError("no playbook given", { kind: "usage", hint: "tsible run PLAYBOOK -i INVENTORY" });
  const { secrets, loadOptions } = await openVault(args, io);
  const inventory = loadInventory(args.inventory.length ? args.inventory : defaultInventory(), {
    decrypt: loadOptions.decrypt!,
  });
  for (const warning of inventory.warnings) io.err(`[WARNING]: ${warning}\n`);
  const playbooks = args.playbooks.map((p) => loadPlaybook(p, loadOptions));
  if (args.syntaxCheck) {
    for (const p of playbooks) io.out(`\nplaybook: ${p.file}\n`);
    return 0;
  }
  if (args.listTasks || args.listHosts || args.listTags) {
    for (const p of playbooks) io.out(listPlaybook(p, inventory, args));
    return 0;
  }
  const extraVars = parseExtraVars(args.extraVars, loadOptions.decrypt);
  const becomePassword = args.askBecomePass ? await io.prompt("BECOME password: ") : undefined;
  if (becomePassword) secrets.add(becomePassword);
  const output = await createRunOutput({
    output: args.output,
    term: io,
    verbosity: args.verbosity,
    colors: palette(io),
    secrets,
    check: args.check,
  });
  const emit = (event: RunEvent) => output.handle(event);
  if (args.gracePeriodMs !== undefined) io.interrupts.graceMs = args.gracePeriodMs;
  let code = 0;
  try {
    code = await runEach(playbooks, (playbook) =>
      runPlaybook({
        playbook,
        inventory,
        secrets,
        loadOptions,
        emit,
        options: {
          check: args.check,
          diff: args.diff,
          ...(args.noLock ? {} : { runLock: runLockOptions(args, io) }),
          ...(args.limit ? { limit: args.limit } : {}),
          tags: args.tags,
          skipTags: args.skipTags,
          extraVars,
          forks: args.forks,
          verbosity: args.verbosity,
          become: args.become,
          ...(args.becomeUser ? { becomeUser: args.becomeUser } : {}),
          ...(becomePassword !== undefined ? { becomePassword } : {}),
          ...(args.startAtTask ? { startAtTask: args.startAtTask } : {}),
          ...(args.step ? { step: (label: string) => askStep(io, label) } : {}),
          stop: io.interrupts.stop,
          signal: io.signal,
          connect: (host, vars) => connectHost(host, vars, connectDefaults(args)),
        },
      }),
    );
  } finally {
    await output.finish();
  }
  return code === 0 && args.exitCodeOnChanges && output.changed ? EXIT_CHANGES : code;
}

/** Runs playbooks in order, stopping at the first that does not succeed. */
async function runEach<T>(items: T[], run: (item: T) => Promise<number>): Promise<number> {
  for (const item of items) {
    const code = await run(item);
    if (code !== 0) return code;
  }
  return 0;
}

export function connectDefaults(args: RunArgs) {
  return {
    ...(args.user ? { user: args.user } : {}),
    ...(args.privateKey ? { privateKey: args.privateKey } : {}),
    ...(args.hostKeyChecking ? { hostKeyChecking: args.hostKeyChecking } : {}),
  };
}

/** The run lock's settings: --lock-wait, TSIBLE_LOCK_DIR, and -i for the release hint. */
function runLockOptions(args: RunArgs, io: CliIO): RunLockOptions {
  const dir = io.env.TSIBLE_LOCK_DIR;
  return { waitSeconds: args.lockWait ?? 0, inventory: args.inventory, ...(dir ? { defaultDir: dir } : {}) };
}

/** Without -i: TSIBLE_INVENTORY / ANSIBLE_INVENTORY, else only the implicit localhost. */
export function defaultInventory(): string[] {
  const env = process.env.TSIBLE_INVENTORY ?? process.env.ANSIBLE_INVENTORY;
  return env ? env.split(",").map((p) => resolve(p)) : [];
}

/** ansible-playbook's --step question; anything but y/yes/c/continue means no. */
async function askStep(io: CliIO, label: string): Promise<"yes" | "no" | "continue"> {
  const answer = (await io.ask(`Perform task: TASK: ${label} (N)o/(y)es/(c)ontinue: `)).trim().toLowerCase();
  if (answer === "y" || answer === "yes") return "yes";
  if (answer === "c" || answer === "continue") return "continue";
  return "no";
}
