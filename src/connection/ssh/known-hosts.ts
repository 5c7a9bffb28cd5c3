/** Reading, checking and extending OpenSSH known_hosts files (plain, hashed, markers, `[host]:port`). */

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { matchPatternList } from "./host-patterns.js";

export interface KnownHostEntry {
  file: string;
  line: number;
  marker: "revoked" | "cert-authority" | undefined;
  /** Comma-separated patterns, or a hashed name. */
  hosts: { kind: "patterns"; patterns: string[] } | { kind: "hashed"; salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer;
}

/** The name OpenSSH looks up: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type written inside an SSH public key blob (e.g. "ssh-ed25519"). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** SHA256:... as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Parses one known_hosts file's text; malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const words = (lines[i] ?? "").trim().split(/\s+/);
    if (words[0] === undefined || words[0] === "" || words[0].startsWith("#")) continue;
    let marker: KnownHostEntry["marker"];
    if (words[0] === "@revoked" || words[0] === "@cert-authority") {
      marker = words[0] === "@revoked" ? "revoked" : "cert-authority";
      words.shift();
    } else if (words[0].startsWith("@")) {
      continue;
    }
    const [hostField, keyType, keyText] = words;
    if (!hostField || !keyType || !keyText) continue;
    const key = Buffer.from(keyText, "base64");
    if (key.length === 0) continue;
    let hosts: KnownHostEntry["hosts"];
    if (hostField.startsWith("|1|")) {
      const [, , salt, hash] = hostField.split("|");
      if (!salt || !hash) continue;
      hosts = { kind: "hashed", salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
    } else {
      hosts = { kind: "patterns", patterns: hostField.split(",") };
    }
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

function hostsMatch(entry: KnownHostEntry, name: string): boolean {
  if (entry.hosts.kind === "patterns") return matchPatternList(name, entry.hosts.patterns);
  const digest = createHmac("sha1", entry.hosts.salt).update(name).digest();
  return digest.length === entry.hosts.hash.length && timingSafeEqual(digest, entry.hosts.hash);
}

/** Reads the files that exist (missing ones count as empty). */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

export type HostKeyVerdict =
  | { status: "ok" }
  | { status: "revoked"; entry: KnownHostEntry }
  | { status: "changed"; entry: KnownHostEntry }
  /** `others`: keys of other types known for the host; `certAuthority`: only a CA line matched. */
  | { status: "unknown"; others: KnownHostEntry[]; certAuthority: boolean };

/** Judges the key a server presented against the known entries for `name` (see knownHostsName). */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const matching = entries.filter((e) => hostsMatch(e, name));
  const revoked = matching.find((e) => e.marker === "revoked" && e.key.equals(key));
  if (revoked) return { status: "revoked", entry: revoked };
  const plain = matching.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { status: "ok" };
  const type = keyTypeOf(key);
  const changed = plain.find((e) => keyTypeOf(e.key) === type);
  if (changed) return { status: "changed", entry: changed };
  return {
    status: "unknown",
    others: plain,
    certAuthority: matching.some((e) => e.marker === "cert-authority"),
  };
}

/** Host key algorithms that present each known key type (OpenSSH prefers the types it already knows). */
const ALGORITHMS_BY_TYPE: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};
const DEFAULT_HOST_KEY_ALGORITHMS = Object.values(ALGORITHMS_BY_TYPE).flat();

/** ssh2's serverHostKey list with the algorithms of already known keys first. */
export function preferredHostKeyAlgorithms(entries: readonly KnownHostEntry[], name: string): string[] {
  const known = new Set<string>();
  for (const e of entries) {
    if (e.marker === undefined && hostsMatch(e, name)) {
      for (const algo of ALGORITHMS_BY_TYPE[keyTypeOf(e.key)] ?? []) known.add(algo);
    }
  }
  return [...known, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !known.has(a))];
}

/** Appends queued per file: hosts connecting at once must not overwrite each other's new lines. */
const appendQueues = new Map<string, Promise<void>>();

/** Appends `name type key` to `file` atomically (write a temp copy, then rename), creating its folder. */
export function appendKnownHost(file: string, name: string, key: Buffer): Promise<void> {
  const previous = appendQueues.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => appendNow(file, name, key));
  appendQueues.set(file, next);
  return next;
}

async function appendNow(file: string, name: string, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let current = "";
  try {
    current = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (current !== "" && !current.endsWith("\n")) current += "\n";
  const line = `${name} ${keyTypeOf(key)} ${key.toString("base64")}\n`;
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, current + line, { mode: 0o600, flag: "wx" });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
