/** Reading the Docker CLI's config.json: which registries have stored credentials, and where. */

export const DOCKER_HUB = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The key the docker CLI stores a registry under: Docker Hub's URL, or the bare host[:port]. */
export function registryKey(registry: string | undefined): string {
  if (!registry) return DOCKER_HUB;
  const host = registryHost(registry);
  return HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

/** `https://reg.example.com:5000/v2/` -> `reg.example.com:5000` (the CLI's ConvertToHostname). */
export function registryHost(address: string): string {
  const withoutScheme = address.replace(/^[a-z]+:\/\//i, "");
  return withoutScheme.split("/")[0]!.toLowerCase();
}

export interface StoredLogin {
  /** The key in `auths`, when there is one. */
  key: string | undefined;
  /** The helper that holds the credentials (credHelpers for this registry, else credsStore). */
  helper: string | undefined;
  /** user and password from an inline `auth` entry; never returned by a module. */
  inline: { username: string; password: string } | undefined;
}

/** Finds what the config holds for `key` (entries written with a scheme or path count too). */
export function storedLogin(config: DockerConfig, key: string): StoredLogin {
  const host = key === DOCKER_HUB ? undefined : key;
  const authKey = Object.keys(config.auths ?? {}).find((k) =>
    host === undefined ? registryKey(k) === DOCKER_HUB : registryHost(k) === host,
  );
  const helper =
    Object.entries(config.credHelpers ?? {}).find(([k]) => registryKey(k) === key)?.[1] ?? config.credsStore;
  const entry = authKey === undefined ? undefined : config.auths?.[authKey];
  return { key: authKey, helper: helper || undefined, inline: decodeAuth(entry) };
}

function decodeAuth(entry: { auth?: string; username?: string; password?: string } | undefined) {
  if (!entry) return undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = text.indexOf(":");
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined)
    return { username: entry.username, password: entry.password };
  return undefined;
}

/** Parses config.json; an absent or empty file is an empty config. */
export function parseDockerConfig(text: string): DockerConfig {
  if (text.trim() === "") return {};
  const parsed = JSON.parse(text) as unknown;
  return typeof parsed === "object" && parsed !== null ? (parsed as DockerConfig) : {};
}
