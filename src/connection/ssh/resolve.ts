/** Turns a host's Ansible connection variables, CLI flags and ~/.ssh/config into SshOptions. */

import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { TsibleError } from "../../errors.js";
import type { BecomeSpec } from "../types.js";
import type { HostKeyChecking, SshOptions } from "./options.js";
import {
  expandTokens,
  lookupSshConfig,
  nonNegative,
  parsePort,
  readSshConfig,
  type SshConfig,
  type SshHostConfig,
} from "./ssh-config.js";

export interface SshCliOptions {
  /** -u */
  user?: string;
  /** --private-key */
  privateKey?: string;
  /** -b, --become-user, -K */
  become?: boolean;
  becomeUser?: string;
  becomePassword?: string;
  /** --timeout, in seconds as Ansible's */
  timeoutSeconds?: number;
  /** ~/.ssh/config by default; null reads none. */
  sshConfigFile?: string | null;
  knownHostsFiles?: string[];
  strictHostKeyChecking?: HostKeyChecking;
  askPassphrase?: (keyFile: string) => Promise<string>;
}

export interface ResolvedSsh {
  options: SshOptions;
  /** `enabled` from ansible_become or -b; the engine combines it with play and task keywords. */
  become: { enabled: boolean | undefined; spec: BecomeSpec };
  /** Settings we read but do not apply, to show the user once. */
  warnings: string[];
}

/** What `-o`, `-J`, `-p`, `-i`, `-l` in ansible_ssh_common_args/extra_args set, by lower-case ssh option name. */
type SshArgs = Map<string, string>;

const APPLIED_SSH_OPTIONS = new Set([
  "proxyjump",
  "stricthostkeychecking",
  "userknownhostsfile",
  "port",
  "user",
  "identityfile",
  "connecttimeout",
  "hostname",
  "serveraliveinterval",
  "serveralivecountmax",
]);

function splitShellWords(text: string): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3] ?? "");
  return words;
}

function parseSshArgs(text: string, warnings: string[], source: string): SshArgs {
  const args: SshArgs = new Map();
  const words = splitShellWords(text);
  const set = (key: string, value: string) => {
    const k = key.toLowerCase();
    if (!APPLIED_SSH_OPTIONS.has(k)) warnings.push(`${source}: ssh option ${key} is ignored by tsible`);
    else if (!args.has(k)) args.set(k, value);
  };
  const flags: Record<string, string> = {
    "-J": "proxyjump",
    "-p": "port",
    "-i": "identityfile",
    "-l": "user",
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const flag = word.slice(0, 2);
    const inline = word.length > 2 ? word.slice(2) : undefined;
    if (flag === "-o") {
      const option = inline ?? words[++i] ?? "";
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(option);
      if (m) set(m[1]!, m[2]!);
      else warnings.push(`${source}: cannot read -o ${option}`);
    } else if (flags[flag]) {
      set(flags[flag]!, inline ?? words[++i] ?? "");
    } else {
      warnings.push(`${source}: ${word} is ignored by tsible`);
    }
  }
  return args;
}

function str(vars: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = vars[name];
    if (value !== undefined && value !== null && value !== "") return String(value);
  }
  return undefined;
}

function bool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  return ["yes", "true", "on", "1", "y"].includes(String(value).toLowerCase());
}

function strictMode(value: string | undefined): HostKeyChecking | undefined {
  switch (value?.toLowerCase()) {
    case undefined:
      return undefined;
    case "no":
    case "off":
      return "no";
    case "accept-new":
      return "accept-new";
    default:
      return "yes"; // "yes" and "ask" (we cannot ask mid-run)
  }
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

interface HopContext {
  config: SshConfig | undefined;
  knownHostsFiles: string[] | undefined;
  strict: HostKeyChecking | undefined;
  timeoutMs: number | undefined;
  /** ServerAliveInterval / ServerAliveCountMax from ansible_ssh_common_args (win over ssh config). */
  alive: { interval?: number; countMax?: number };
  cli: SshCliOptions;
  warnings: string[];
}

/** Keepalive settings for one hop: the -o options, else that hop's ssh config. */
function keepalive(
  ctx: HopContext,
  cfg: SshHostConfig,
): Pick<SshOptions, "keepaliveIntervalMs" | "keepaliveCountMax"> {
  const interval = ctx.alive.interval ?? cfg.serverAliveInterval;
  const countMax = ctx.alive.countMax ?? cfg.serverAliveCountMax;
  return {
    ...(interval !== undefined ? { keepaliveIntervalMs: interval * 1000 } : {}),
    ...(countMax !== undefined ? { keepaliveCountMax: countMax } : {}),
  };
}

/** One `[user@]host[:port]` of a ProxyJump list, completed from ssh config. */
function resolveJumpHop(spec: string, ctx: HopContext): SshOptions {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec.trim());
  if (!m) throw new TsibleError(`cannot read ProxyJump host ${JSON.stringify(spec)}`, { kind: "parse" });
  const alias = m[2]!.replace(/^\[|\]$/g, "");
  const cfg = lookupSshConfig(ctx.config, alias);
  const port = m[3] ? parsePort(m[3]) : (cfg.port ?? 22);
  const user = m[1] ?? cfg.user ?? ctx.cli.user ?? userInfo().username;
  return {
    ...hopOptions(alias, cfg.hostName, user, port, { fromConfig: cfg.identityFiles }, ctx),
    ...keepalive(ctx, cfg),
  };
}

function hopOptions(
  alias: string,
  hostName: string | undefined,
  user: string,
  port: number,
  keys: { given: string[] } | { fromConfig: string[] },
  ctx: HopContext,
): SshOptions {
  const host = hostName ? expandTokens(hostName, { host: alias, port, user }) : alias;
  const expand = (f: string) => expandTokens(f, { host: alias, port, user });
  // Keys the user named must work; ssh config's IdentityFile lines are skipped when absent, as OpenSSH does.
  const listed = "given" in keys ? keys.given.map(expand) : keys.fromConfig.map(expand);
  const privateKeys =
    "given" in keys
      ? listed
      : listed.filter((f) => {
          if (existsSync(f)) return true;
          ctx.warnings.push(`identity file ${f} does not exist`);
          return false;
        });
  const options: SshOptions = { host, port, user, name: alias, privateKeys };
  if (listed.length === 0) options.defaultKeys = DEFAULT_KEYS.map((k) => `${homedir()}/.ssh/${k}`);
  if (ctx.knownHostsFiles) options.knownHostsFiles = ctx.knownHostsFiles;
  if (ctx.strict) options.strictHostKeyChecking = ctx.strict;
  if (ctx.timeoutMs !== undefined) options.connectTimeoutMs = ctx.timeoutMs;
  if (ctx.cli.askPassphrase) options.askPassphrase = ctx.cli.askPassphrase;
  return options;
}

/**
 * Maps a host's variables (inventory_hostname, ansible_host, ansible_port, ansible_user,
 * ansible_ssh_private_key_file, ansible_password, ansible_ssh_common_args, ansible_become*) plus CLI
 * flags and ~/.ssh/config to connection options. Host variables win over CLI flags, as in Ansible;
 * ssh config fills what neither sets.
 */
export function resolveSshOptions(hostVars: Record<string, unknown>, cli: SshCliOptions = {}): ResolvedSsh {
  const warnings: string[] = [];
  const inventoryName = str(hostVars, "inventory_hostname") ?? "localhost";
  const target = str(hostVars, "ansible_host", "ansible_ssh_host") ?? inventoryName;
  // ssh gets common args before extra args, and the first value of an option wins
  const args = parseSshArgs(
    str(hostVars, "ansible_ssh_common_args") ?? "",
    warnings,
    "ansible_ssh_common_args",
  );
  const extra = parseSshArgs(
    str(hostVars, "ansible_ssh_extra_args") ?? "",
    warnings,
    "ansible_ssh_extra_args",
  );
  for (const [key, value] of extra) if (!args.has(key)) args.set(key, value);
  const config = cli.sshConfigFile === null ? undefined : readSshConfig(cli.sshConfigFile);
  const cfg = lookupSshConfig(config, target);

  const portText = str(hostVars, "ansible_port", "ansible_ssh_port") ?? args.get("port");
  const port = portText ? parsePort(portText) : (cfg.port ?? 22);
  const user =
    str(hostVars, "ansible_user", "ansible_ssh_user", "ansible_remote_user") ??
    args.get("user") ??
    cli.user ??
    cfg.user ??
    userInfo().username;
  const keyVar =
    str(hostVars, "ansible_ssh_private_key_file", "ansible_private_key_file") ?? args.get("identityfile");
  const given = keyVar ?? cli.privateKey;
  const keys = given ? { given: [given] } : { fromConfig: cfg.identityFiles };

  const knownFile = args.get("userknownhostsfile");
  const knownList = knownFile ? splitShellWords(knownFile) : cfg.userKnownHostsFiles;
  const knownHostsFiles = knownList
    ? [...knownList.map((f) => expandTokens(f, { host: target, port, user })), "/etc/ssh/ssh_known_hosts"]
    : cli.knownHostsFiles;
  const hostKeyChecking = bool(hostVars.ansible_host_key_checking ?? hostVars.ansible_ssh_host_key_checking);
  const strict =
    hostKeyChecking === false
      ? "no"
      : (strictMode(args.get("stricthostkeychecking")) ??
        strictMode(cfg.strictHostKeyChecking) ??
        cli.strictHostKeyChecking);
  const timeoutSeconds =
    Number(str(hostVars, "ansible_timeout") ?? args.get("connecttimeout") ?? Number.NaN) ||
    cfg.connectTimeout ||
    cli.timeoutSeconds;
  const aliveInterval = args.get("serveraliveinterval");
  const aliveCount = args.get("serveralivecountmax");
  const ctx: HopContext = {
    config,
    knownHostsFiles,
    strict,
    timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : undefined,
    alive: {
      ...(aliveInterval !== undefined ? { interval: nonNegative(aliveInterval, "ServerAliveInterval") } : {}),
      ...(aliveCount !== undefined ? { countMax: nonNegative(aliveCount, "ServerAliveCountMax") } : {}),
    },
    cli,
    warnings,
  };

  const hostName = args.get("hostname") ?? cfg.hostName;
  const options = { ...hopOptions(target, hostName, user, port, keys, ctx), ...keepalive(ctx, cfg) };
  options.name = inventoryName;
  const password = str(hostVars, "ansible_password", "ansible_ssh_pass", "ansible_ssh_password");
  if (password !== undefined) options.password = password;
  const proxyJump = args.get("proxyjump") ?? cfg.proxyJump;
  if (proxyJump && proxyJump.toLowerCase() !== "none") {
    options.jump = proxyJump.split(",").map((hop) => resolveJumpHop(hop, ctx));
  }

  const method = str(hostVars, "ansible_become_method") ?? "sudo";
  if (method !== "sudo") {
    throw new TsibleError(`become method ${JSON.stringify(method)} is not supported`, {
      kind: "module",
      hint: "tsible supports ansible_become_method: sudo",
    });
  }
  const becomePassword =
    str(hostVars, "ansible_become_password", "ansible_become_pass") ?? cli.becomePassword;
  const flags = str(hostVars, "ansible_become_flags");
  const spec: BecomeSpec = {
    user: str(hostVars, "ansible_become_user") ?? cli.becomeUser ?? "root",
    method: "sudo",
    ...(becomePassword !== undefined ? { password: becomePassword } : {}),
    ...(flags !== undefined ? { flags } : {}),
  };
  return { options, become: { enabled: bool(hostVars.ansible_become) ?? cli.become, spec }, warnings };
}
