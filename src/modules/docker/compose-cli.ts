import { basename } from "node:path";
import type { ModuleContext } from "../types.js";
import { parseJson, runWords } from "./cli.js";

/** Which Compose this host has: the v2 plugin (`docker compose`) first, then the v1 `docker-compose`. */
export interface ComposeTool {
  /** The words that start every command. */
  argv0: string[];
  version: string;
  major: number;
}

/** Reads `version --short` output: `2.23.3`, `v2.23.3` or `1.29.2`. */
export function parseComposeVersion(text: string): { version: string; major: number } | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)\S*/.exec(text.trim());
  if (!match) return undefined;
  return { version: match[0].replace(/^v/, ""), major: Number(match[1]) };
}

/** Where compose runs and which files it is told about (`-f`, `--env-file`). */
export interface ComposeLocation {
  cwd: string;
  files: string[];
  envFiles: string[];
}

/** Per connection: asking costs a second per call with v1 (a Python start-up). */
const detected = new WeakMap<object, ComposeTool>();

export async function detectCompose(ctx: ModuleContext): Promise<ComposeTool | undefined> {
  const known = detected.get(ctx.conn);
  if (known) return known;
  const tool = await probeCompose(ctx);
  if (tool) detected.set(ctx.conn, tool);
  return tool;
}

async function probeCompose(ctx: ModuleContext): Promise<ComposeTool | undefined> {
  for (const argv0 of [["docker", "compose"], ["docker-compose"]]) {
    const result = await runWords(ctx, [...argv0, "version", "--short"]);
    const parsed = result.rc === 0 ? parseComposeVersion(result.stdout) : undefined;
    if (parsed) return { argv0, ...parsed };
  }
  return undefined;
}

/** The project name v1 derives from a folder (`compose.cli.command.normalize_name`): lower case, [-_a-z0-9] only. */
export function v1ProjectName(projectSrc: string): string {
  return basename(projectSrc.replace(/\/+$/, ""))
    .toLowerCase()
    .replace(/[^-_a-z0-9]/g, "");
}

/** The project name from `docker compose config --format json` (v2 resolves `name:`, env and folder). */
export function projectNameFromConfigJson(text: string): string | undefined {
  const config = parseJson<{ name?: unknown }>(text);
  return typeof config?.name === "string" && config.name !== "" ? config.name : undefined;
}

/** `config --hash=*` output: one `service hash` per line. */
export function parseHashes(text: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [service, hash] = line.trim().split(/\s+/);
    if (service && hash) hashes.set(service, hash);
  }
  return hashes;
}
