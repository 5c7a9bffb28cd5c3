import { shq } from "../connection/quote.js";
import { TsibleError } from "../errors.js";
import type { ModuleContext, ModuleDefinition } from "./types.js";

export interface WaitForArgs {
  host?: string;
  port?: number;
  path?: string;
  /** port: started (accepts connections) or stopped; path: present/started or absent/stopped. */
  state?: "started" | "stopped" | "present" | "absent";
  /** With path: wait until the file's content matches (JavaScript regular expression syntax). */
  search_regex?: string;
  /** Seconds to wait in all. */
  timeout?: number;
  /** Seconds before the first check. */
  delay?: number;
  /** Seconds between checks. */
  sleep?: number;
  /** Seconds one connection attempt may take. */
  connect_timeout?: number;
  msg?: string;
}

/**
 * Waits for a port or a file ON THE HOST (every check is a command run there, so `localhost` is the
 * host's). Checks only read, so check mode runs it too: later tasks can rely on what it waited for.
 * Ports are probed with bash's /dev/tcp, or `nc -z` where bash is missing.
 */
export const waitFor: ModuleDefinition<WaitForArgs> = {
  name: "wait_for",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      host: { type: "string", minLength: 1 },
      port: { type: "integer", minimum: 1, maximum: 65535 },
      path: { type: "string", minLength: 1 },
      state: { enum: ["started", "stopped", "present", "absent"] },
      search_regex: { type: "string" },
      timeout: { type: "number", minimum: 0 },
      delay: { type: "number", minimum: 0 },
      sleep: { type: "number", exclusiveMinimum: 0 },
      connect_timeout: { type: "integer", minimum: 1 },
      msg: { type: "string" },
    },
  },
  async run(ctx, args) {
    const probe = makeProbe(ctx, args);
    const started = Date.now();
    const timeoutMs = (args.timeout ?? 300) * 1000;
    await sleep((args.delay ?? 0) * 1000, ctx.signal);
    for (;;) {
      const outcome = await probe.check();
      if (outcome.done) {
        return {
          changed: false,
          elapsed: seconds(started),
          state: probe.state,
          ...probe.describe,
          ...outcome.extra,
        };
      }
      if (Date.now() - started >= timeoutMs || ctx.signal.aborted) {
        return {
          changed: false,
          failed: true,
          elapsed: seconds(started),
          ...probe.describe,
          msg: args.msg ?? `timeout when waiting for ${probe.what}`,
        };
      }
      await sleep(
        Math.min((args.sleep ?? 1) * 1000, Math.max(0, timeoutMs - (Date.now() - started))),
        ctx.signal,
      );
    }
  },
};

interface Probe {
  what: string;
  state: string;
  describe: Record<string, unknown>;
  check(): Promise<{ done: boolean; extra?: Record<string, unknown> }>;
}

function makeProbe(ctx: ModuleContext, args: WaitForArgs): Probe {
  const fail = (message: string) =>
    new TsibleError(message, { kind: "module", ...(ctx.location ? { location: ctx.location } : {}) });
  if (args.path !== undefined && args.port !== undefined)
    throw fail("wait_for takes either port or path, not both");
  if (args.path !== undefined) return fileProbe(ctx, args.path, args);
  if (args.port === undefined) throw fail("wait_for needs port or path");
  if (args.search_regex !== undefined) throw fail("search_regex works with path here, not with port");
  const state = args.state ?? "started";
  if (state !== "started" && state !== "stopped") throw fail(`a port is started or stopped, not ${state}`);
  const host = args.host ?? "127.0.0.1";
  const seconds = args.connect_timeout ?? 5;
  const target = `/dev/tcp/${host}/${args.port}`;
  // a connection attempt that works exits 0; refused, unreachable or timed out exits non-zero
  const command = [
    "if command -v bash >/dev/null 2>&1; then",
    `  timeout ${seconds} bash -c ${shq(`exec 3<>${target}`)} 2>/dev/null;`,
    `else nc -z -w ${seconds} ${shq(host)} ${args.port} 2>/dev/null; fi`,
  ].join(" ");
  return {
    what: `${host}:${args.port} to be ${state}`,
    state,
    describe: { host, port: args.port },
    async check() {
      const open = (await ctx.exec(command)).rc === 0;
      return { done: open === (state === "started") };
    },
  };
}

function fileProbe(ctx: ModuleContext, path: string, args: WaitForArgs): Probe {
  const wanted = args.state ?? "present";
  const present = wanted === "present" || wanted === "started";
  const regex = args.search_regex === undefined ? undefined : new RegExp(args.search_regex, "m");
  return {
    what: `${path} to be ${present ? "present" : "absent"}${regex ? ` and match ${args.search_regex}` : ""}`,
    state: wanted,
    describe: { path },
    async check() {
      const out = await ctx.exec(`if [ -e ${shq(path)} ]; then echo present; cat -- ${shq(path)}; fi`);
      const exists = out.rc === 0 && out.stdout.startsWith("present\n");
      if (!present) return { done: !exists };
      if (!exists) return { done: false };
      if (!regex) return { done: true };
      const match = regex.exec(out.stdout.slice("present\n".length));
      return match
        ? { done: true, extra: { match_groups: match.slice(1), match_groupdict: match.groups ?? {} } }
        : { done: false };
    },
  };
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
