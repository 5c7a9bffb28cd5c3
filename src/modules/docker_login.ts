import { dirname } from "node:path";
import { shq } from "../connection/quote.js";
import { TsibleError } from "../errors.js";
import {
  type DockerConfig,
  parseDockerConfig,
  registryKey,
  type StoredLogin,
  storedLogin,
} from "./docker/auth-config.js";
import { commandFailed, docker, parseJson } from "./docker/cli.js";
import type { ModuleContext, ModuleDefinition } from "./types.js";

export interface DockerLoginArgs {
  registry?: string;
  /** Ansible's name for `registry`. */
  registry_url?: string;
  username?: string;
  password?: string;
  state?: "present" | "absent";
  /** The Docker config file; its folder becomes DOCKER_CONFIG. Default: the host user's ~/.docker/config.json. */
  config_path?: string;
  /** Log in again even when the config already holds these credentials (checks the password with the registry). */
  reauthorize?: boolean;
}

/**
 * `docker login` with the password on standard input, idempotent by reading the config's `auths` (or
 * asking the credential helper that holds them). The password is registered as a secret and never returned.
 */
export const dockerLogin: ModuleDefinition<DockerLoginArgs> = {
  name: "docker_login",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      registry: { type: "string", minLength: 1 },
      registry_url: { type: "string", minLength: 1 },
      username: { type: "string", minLength: 1 },
      password: { type: "string" },
      state: { enum: ["present", "absent"] },
      config_path: { type: "string", pattern: "(^|/)config\\.json$" },
      reauthorize: { type: "boolean" },
    },
  },
  async run(ctx, args) {
    if (args.password !== undefined) ctx.addSecret(args.password);
    const state = args.state ?? "present";
    const registry = registryKey(args.registry ?? args.registry_url);
    const env = args.config_path ? { DOCKER_CONFIG: dirname(args.config_path) } : undefined;
    const config = await readConfig(ctx, args.config_path);
    const stored = storedLogin(config, registry);
    const base = { registry, ...(stored.helper ? { credential_helper: stored.helper } : {}) };

    if (state === "absent") {
      const present =
        stored.key !== undefined || (stored.helper ? await helperHas(ctx, stored.helper, registry) : false);
      if (!present) return { changed: false, ...base };
      if (ctx.check) return { changed: true, ...base };
      const out = await docker(ctx, ["logout", registry], env ? { env } : {});
      if (out.rc !== 0) return commandFailed(`docker logout ${registry}`, out, base);
      return { changed: true, ...base };
    }

    if (args.username === undefined || args.password === undefined) {
      throw new TsibleError("docker_login with state present needs username and password", {
        kind: "module",
        ...(ctx.location ? { location: ctx.location } : {}),
        hint: "keep the password in a vault-encrypted variable",
      });
    }
    const current = await currentCredentials(ctx, stored, registry);
    const same = current?.username === args.username && current.password === args.password;
    if (same && !args.reauthorize)
      return { changed: false, ...base, username: args.username, msg: "already logged in" };
    if (ctx.check) return { changed: !same, ...base, username: args.username };
    const out = await docker(ctx, ["login", "--username", args.username, "--password-stdin", registry], {
      stdin: args.password,
      ...(env ? { env } : {}),
    });
    if (out.rc !== 0) return commandFailed(`docker login ${registry}`, out, base);
    return { changed: !same, ...base, username: args.username, msg: "Login Succeeded" };
  },
};

async function readConfig(ctx: ModuleContext, configPath: string | undefined): Promise<DockerConfig> {
  // the default follows the host user's DOCKER_CONFIG and HOME, so the shell resolves it
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
  const path = configPath ? shq(configPath) : '"${DOCKER_CONFIG:-$HOME/.docker}/config.json"';
  const out = await ctx.exec(`if [ -e ${path} ]; then cat -- ${path}; fi`);
  if (out.rc !== 0)
    throw new TsibleError(`cannot read the Docker config: ${out.stderr.trim()}`, { kind: "module" });
  try {
    return parseDockerConfig(out.stdout);
  } catch (err) {
    throw new TsibleError(`the Docker config ${configPath ?? "~/.docker/config.json"} is not valid JSON`, {
      kind: "module",
      cause: err,
    });
  }
}

/** The stored user and password, inline or from the credential helper; undefined when there are none. */
async function currentCredentials(ctx: ModuleContext, stored: StoredLogin, registry: string) {
  if (stored.inline) return stored.inline;
  if (!stored.helper) return undefined;
  return helperGet(ctx, stored.helper, registry);
}

async function helperHas(ctx: ModuleContext, helper: string, registry: string): Promise<boolean> {
  return (await helperGet(ctx, helper, registry)) !== undefined;
}

/** `docker-credential-<helper> get` reads the server address on stdin and prints {Username, Secret}. */
async function helperGet(ctx: ModuleContext, helper: string, registry: string) {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return undefined;
  const out = await ctx.exec(`docker-credential-${helper} get`, { stdin: registry });
  if (out.rc !== 0) return undefined;
  const found = parseJson<{ Username?: string; Secret?: string }>(out.stdout);
  if (found?.Secret) ctx.addSecret(found.Secret);
  return found?.Username !== undefined && found.Secret !== undefined
    ? { username: found.Username, password: found.Secret }
    : undefined;
}
