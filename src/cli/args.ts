import { TsibleError } from "../errors.js";

/** The options of `tsible run`, named as ansible-playbook names them. */
export interface RunArgs {
  playbooks: string[];
  inventory: string[];
  check: boolean;
  diff: boolean;
  /** --lock-wait: seconds to wait for a host's run lock held by another run. */
  lockWait?: number;
  /** --no-lock: take no run lock (emergencies). */
  noLock?: boolean;
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: string[];
  forks: number;
  verbosity: number;
  syntaxCheck: boolean;
  listTasks: boolean;
  listHosts: boolean;
  listTags: boolean;
  become: boolean;
  becomeUser?: string;
  askBecomePass: boolean;
  user?: string;
  privateKey?: string;
  vaultPasswordFiles: string[];
  vaultIds: string[];
  askVaultPass: boolean;
  startAtTask?: string;
  /** Ask before each task: (N)o/(y)es/(c)ontinue, as ansible-playbook --step. */
  step?: boolean;
  output?: string;
  hostKeyChecking?: string;
  /** Exit with EXIT_CHANGES (10) when a host changed, or would change under --check. */
  exitCodeOnChanges: boolean;
  /** After the first Ctrl-C, how long running tasks may go on before they are stopped. */
  gracePeriodMs?: number;
}

type Setter = (args: RunArgs, value: string) => void;

const valued: Record<string, Setter> = {
  "-i": (a, v) => a.inventory.push(v),
  "--inventory": (a, v) => a.inventory.push(v),
  "-l": (a, v) => {
    a.limit = v;
  },
  "--limit": (a, v) => {
    a.limit = v;
  },
  "-t": (a, v) => a.tags.push(...splitList(v)),
  "--tags": (a, v) => a.tags.push(...splitList(v)),
  "--skip-tags": (a, v) => a.skipTags.push(...splitList(v)),
  "-e": (a, v) => a.extraVars.push(v),
  "--extra-vars": (a, v) => a.extraVars.push(v),
  "-f": (a, v) => {
    a.forks = positiveInt(v, "--forks");
  },
  "--forks": (a, v) => {
    a.forks = positiveInt(v, "--forks");
  },
  "--lock-wait": (a, v) => {
    a.lockWait = durationSeconds(v, "--lock-wait");
  },
  "--become-user": (a, v) => {
    a.becomeUser = v;
  },
  "-u": (a, v) => {
    a.user = v;
  },
  "--user": (a, v) => {
    a.user = v;
  },
  "--private-key": (a, v) => {
    a.privateKey = v;
  },
  "--key-file": (a, v) => {
    a.privateKey = v;
  },
  "--vault-password-file": (a, v) => a.vaultPasswordFiles.push(v),
  "--vault-pass-file": (a, v) => a.vaultPasswordFiles.push(v),
  "--vault-id": (a, v) => a.vaultIds.push(v),
  "--start-at-task": (a, v) => {
    a.startAtTask = v;
  },
  "--output": (a, v) => {
    a.output = v;
  },
  "--grace-period": (a, v) => {
    a.gracePeriodMs = durationSeconds(v, "--grace-period") * 1000;
  },
  "--host-key-checking": (a, v) => {
    a.hostKeyChecking = v;
  },
};

const flags: Record<string, (a: RunArgs) => void> = {
  "-C": (a) => {
    a.check = true;
  },
  "--check": (a) => {
    a.check = true;
  },
  "-D": (a) => {
    a.diff = true;
  },
  "--diff": (a) => {
    a.diff = true;
  },
  "--no-lock": (a) => {
    a.noLock = true;
  },
  "--syntax-check": (a) => {
    a.syntaxCheck = true;
  },
  "--list-tasks": (a) => {
    a.listTasks = true;
  },
  "--list-hosts": (a) => {
    a.listHosts = true;
  },
  "--list-tags": (a) => {
    a.listTags = true;
  },
  "-b": (a) => {
    a.become = true;
  },
  "--become": (a) => {
    a.become = true;
  },
  "-K": (a) => {
    a.askBecomePass = true;
  },
  "--ask-become-pass": (a) => {
    a.askBecomePass = true;
  },
  "-J": (a) => {
    a.askVaultPass = true;
  },
  "--ask-vault-pass": (a) => {
    a.askVaultPass = true;
  },
  "--ask-vault-password": (a) => {
    a.askVaultPass = true;
  },
  "--step": (a) => {
    a.step = true;
  },
  "--exit-code-on-changes": (a) => {
    a.exitCodeOnChanges = true;
  },
};

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new TsibleError(`${name} needs a positive number, got '${value}'`, { kind: "usage" });
  return n;
}

/** A duration in seconds: a number, zero or more. */
function durationSeconds(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new TsibleError(`${name} needs a number of seconds, got '${value}'`, { kind: "usage" });
  return n;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const args: RunArgs = {
    playbooks: [],
    inventory: [],
    check: false,
    diff: false,
    tags: [],
    skipTags: [],
    extraVars: [],
    forks: 5,
    verbosity: 0,
    syntaxCheck: false,
    listTasks: false,
    listHosts: false,
    listTags: false,
    become: false,
    askBecomePass: false,
    vaultPasswordFiles: [],
    vaultIds: [],
    askVaultPass: false,
    exitCodeOnChanges: false,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let inline: string | undefined;
    if (arg.startsWith("--") && arg.includes("=")) {
      inline = arg.slice(arg.indexOf("=") + 1);
      arg = arg.slice(0, arg.indexOf("="));
    }
    if (/^-v+$/.test(arg)) {
      args.verbosity += arg.length - 1;
      continue;
    }
    if (arg === "--verbose") {
      args.verbosity++;
      continue;
    }
    const flag = flags[arg];
    if (flag) {
      flag(args);
      continue;
    }
    const setter = valued[arg];
    if (setter) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new TsibleError(`${arg} needs a value`, { kind: "usage" });
      setter(args, value);
      continue;
    }
    // short options glued to their value: -iinventory, -lweb
    const glued = valued[arg.slice(0, 2)];
    if (arg.length > 2 && arg[0] === "-" && arg[1] !== "-" && glued) {
      glued(args, arg.slice(2));
      continue;
    }
    if (arg.startsWith("-"))
      throw new TsibleError(`unknown option '${arg}'`, { kind: "usage", hint: "see tsible run --help" });
    args.playbooks.push(arg);
  }
  return args;
}

export const RUN_HELP = `usage: tsible run PLAYBOOK... [options]

  -i, --inventory SOURCE     inventory file, folder or host list (repeatable)
  -C, --check                dry run: report what would change, change nothing
  -D, --diff                 show the differences in files and attributes
  -l, --limit PATTERN        run only on hosts matching PATTERN
  -t, --tags TAGS            run only tasks with these tags
      --skip-tags TAGS       skip tasks with these tags
  -e, --extra-vars VARS      k=v pairs, YAML/JSON, or @file (repeatable)
  -f, --forks N              hosts worked on at once (default 5)
      --lock-wait SECONDS    wait that long for a host locked by another run (default: fail at once)
      --no-lock              take no run lock: for emergencies only (README: Run lock)
  -b, --become               run with sudo;  --become-user USER;  -K, --ask-become-pass
  -u, --user USER            connect as USER;  --private-key FILE
      --vault-password-file FILE, --vault-id LABEL@SOURCE, -J, --ask-vault-pass
      --start-at-task NAME   start with the task of that name;  --step asks before each task
      --syntax-check, --list-tasks, --list-hosts, --list-tags
      --host-key-checking yes|accept-new
      --output json|json=FILE|line   JSON events (docs/output.md) on stdout or to FILE; line: plain view
      --exit-code-on-changes  exit 10 when a host changed (with --check: would change), 0 when none
      --grace-period SECONDS  after Ctrl-C, how long running tasks may finish (default 30)
  -v, -vv, -vvv, -vvvv       more detail
`;
