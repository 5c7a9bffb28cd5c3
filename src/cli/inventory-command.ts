import { TsibleError } from "../errors.js";
import { inventoryAsGraph, inventoryAsList, loadInventory } from "../inventory/index.js";
import type { CliIO } from "./io.js";
import { openVault } from "./vault-setup.js";

interface InventoryArgs {
  sources: string[];
  action: "list" | "graph" | "host" | undefined;
  host?: string;
  group?: string;
  vaultPasswordFiles: string[];
  vaultIds: string[];
  askVaultPass: boolean;
}

export const INVENTORY_HELP = `usage: tsible inventory -i INVENTORY (--list | --graph [GROUP] | --host HOST)

  --list           all groups and host variables as JSON (as ansible-inventory --list)
  --graph [GROUP]  the group tree (as ansible-inventory --graph)
  --host HOST      the variables of one host as JSON
  --vault-password-file FILE, --vault-id LABEL@SOURCE, -J/--ask-vault-pass
`;

/** `tsible inventory`: ansible-inventory's --list, --graph and --host, in its output shapes. */
export async function inventoryCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseInventoryArgs(argv);
  if (!args.action)
    throw new TsibleError("tsible inventory needs one of --list, --graph or --host HOST", {
      kind: "usage",
      hint: INVENTORY_HELP,
    });
  const { loadOptions } = await openVault(args, io);
  const inventory = loadInventory(args.sources, { decrypt: loadOptions.decrypt! });
  for (const warning of inventory.warnings) io.err(`[WARNING]: ${warning}\n`);
  if (args.action === "list") io.out(ansibleJson(inventoryAsList(inventory)));
  else if (args.action === "graph") {
    const group = args.group ?? "all";
    if (!inventory.hasGroup(group))
      throw new TsibleError(`Pattern must be valid group name when using --graph: '${group}'`, {
        kind: "usage",
      });
    io.out(`${inventoryAsGraph(inventory, group)}\n`);
  } else {
    const host = args.host ?? "";
    if (inventory.match(host).length === 0 || !inventory.hasHost(host))
      throw new TsibleError(`You must pass a single valid host to --host parameter: '${host}'`, {
        kind: "usage",
      });
    const vars = Object.fromEntries(
      Object.entries(inventory.hostVars(host)).filter(
        ([k]) => k !== "inventory_file" && k !== "inventory_dir",
      ),
    );
    io.out(ansibleJson(vars));
  }
  return 0;
}

function parseInventoryArgs(argv: string[]): InventoryArgs {
  const args: InventoryArgs = {
    sources: [],
    action: undefined,
    vaultPasswordFiles: [],
    vaultIds: [],
    askVaultPass: false,
  };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined) throw new TsibleError(`${name} needs a value`, { kind: "usage" });
    return v;
  };
  const setAction = (action: InventoryArgs["action"]) => {
    if (args.action && args.action !== action)
      throw new TsibleError("use only one of --list, --graph and --host", { kind: "usage" });
    args.action = action;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-i" || arg === "--inventory") args.sources.push(value(++i, arg));
    else if (arg.startsWith("--inventory=")) args.sources.push(arg.slice(12));
    else if (arg === "--list") setAction("list");
    else if (arg === "--graph") setAction("graph");
    else if (arg === "--host") {
      setAction("host");
      args.host = value(++i, arg);
    } else if (arg === "--vault-password-file" || arg === "--vault-pass-file")
      args.vaultPasswordFiles.push(value(++i, arg));
    else if (arg === "--vault-id") args.vaultIds.push(value(++i, arg));
    else if (arg === "-J" || arg === "--ask-vault-pass") args.askVaultPass = true;
    else if (arg.startsWith("-"))
      throw new TsibleError(`unknown option '${arg}'`, { kind: "usage", hint: INVENTORY_HELP });
    else if (args.action === "graph" && args.group === undefined) args.group = arg;
    else throw new TsibleError(`unexpected argument '${arg}'`, { kind: "usage", hint: INVENTORY_HELP });
  }
  return args;
}

/** JSON as ansible-inventory prints it: keys sorted at every level, four-space indent. */
function ansibleJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // fromEntries defines own keys, so a variable named "__proto__" stays a plain key
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
