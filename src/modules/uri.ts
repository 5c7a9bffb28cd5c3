import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { TsibleError } from "../errors.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface UriArgs {
  url: string;
  method?: string;
  body?: unknown;
  body_format?: "json" | "raw" | "form-urlencoded";
  headers?: Record<string, string>;
  /** The statuses that count as success (default 200). */
  status_code?: number | number[];
  return_content?: boolean;
  validate_certs?: boolean;
  /** A PEM file on the controller with the CAs to trust. */
  ca_path?: string;
  /** Seconds. */
  timeout?: number;
  /** true/"all": follow every redirect; "safe" (default): only for GET and HEAD; false/"none": never. */
  follow_redirects?: boolean | "all" | "safe" | "none";
}

const READ_ONLY = new Set(["GET", "HEAD", "OPTIONS"]);
const MAX_REDIRECTS = 10;

/**
 * HTTP(S) requests made FROM THE CONTROLLER (Node's http/https), as Ansible's uri runs where its module
 * runs. Never "changed". In check mode read-only methods (GET, HEAD, OPTIONS) run; others are skipped.
 */
export const uri: ModuleDefinition<UriArgs> = {
  name: "uri",
  controllerOnly: true,
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["url"],
    properties: {
      url: { type: "string", pattern: "^https?://" },
      method: { type: "string", pattern: "^[A-Za-z]+$" },
      body: {},
      body_format: { enum: ["json", "raw", "form-urlencoded"] },
      headers: { type: "object", additionalProperties: { type: "string" } },
      status_code: {
        anyOf: [{ type: "integer" }, { type: "array", items: { type: "integer" }, minItems: 1 }],
      },
      return_content: { type: "boolean" },
      validate_certs: { type: "boolean" },
      ca_path: { type: "string", minLength: 1 },
      timeout: { type: "number", exclusiveMinimum: 0 },
      follow_redirects: { anyOf: [{ type: "boolean" }, { enum: ["all", "safe", "none"] }] },
    },
  },
  async run(ctx, args) {
    const method = (args.method ?? "GET").toUpperCase();
    if (ctx.check && !READ_ONLY.has(method))
      return { changed: false, skipped: true, msg: `check mode: a ${method} request is not sent` };
    const { body, contentType } = encodeBody(ctx, args);
    const headers: Record<string, string> = { ...(contentType ? { "content-type": contentType } : {}) };
    for (const [k, v] of Object.entries(args.headers ?? {})) headers[k.toLowerCase()] = v;
    const started = Date.now();
    let url = args.url;
    let currentMethod = method;
    let currentBody = body;
    let response: Response;
    let redirects = 0;
    try {
      for (;;) {
        response = await send(ctx, url, currentMethod, headers, currentBody, args);
        const location = response.headers.location;
        if (
          !location ||
          response.status < 300 ||
          response.status >= 400 ||
          !followsRedirect(args, currentMethod)
        )
          break;
        if (++redirects > MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url).toString();
        // 303 (and, as browsers do, 301/302 after POST) continue with GET and no body
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && currentMethod === "POST")
        ) {
          currentMethod = "GET";
          currentBody = undefined;
        }
      }
    } catch (err) {
      return {
        changed: false,
        failed: true,
        status: -1,
        url,
        msg: `request to ${url} failed: ${(err as Error).message}`,
      };
    }
    return describeResponse(args, url, response, redirects > 0, Date.now() - started);
  },
};

interface Response {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function followsRedirect(args: UriArgs, method: string): boolean {
  const mode = args.follow_redirects ?? "safe";
  if (mode === true || mode === "all") return true;
  if (mode === false || mode === "none") return false;
  return method === "GET" || method === "HEAD";
}

function encodeBody(ctx: ModuleContext, args: UriArgs): { body?: Buffer; contentType?: string } {
  if (args.body === undefined) return {};
  const format = args.body_format ?? "raw";
  if (format === "json")
    return { body: Buffer.from(JSON.stringify(args.body)), contentType: "application/json" };
  if (format === "form-urlencoded") {
    if (typeof args.body !== "object" || args.body === null)
      throw new TsibleError("body_format form-urlencoded needs a mapping as body", {
        kind: "module",
        ...(ctx.location ? { location: ctx.location } : {}),
      });
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(args.body)) form.append(k, String(v));
    return { body: Buffer.from(form.toString()), contentType: "application/x-www-form-urlencoded" };
  }
  return { body: Buffer.from(typeof args.body === "string" ? args.body : JSON.stringify(args.body)) };
}

async function send(
  ctx: ModuleContext,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  args: UriArgs,
): Promise<Response> {
  const target = new URL(url);
  const secure = target.protocol === "https:";
  // loaded on first use: node's http and https cost every run's start that never calls uri
  const { request } = secure ? await import("node:https") : await import("node:http");
  const tls = secure
    ? {
        rejectUnauthorized: args.validate_certs ?? true,
        ...(args.ca_path ? { ca: readFileSync(args.ca_path) } : {}),
      }
    : {};
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method,
        headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) },
        timeout: (args.timeout ?? 30) * 1000,
        signal: ctx.signal,
        ...tls,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res), body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${args.timeout ?? 30} s`)));
    req.on("error", reject);
    req.end(body);
  });
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function describeResponse(
  args: UriArgs,
  url: string,
  response: Response,
  redirected: boolean,
  elapsedMs: number,
) {
  const expected = args.status_code === undefined ? [200] : [args.status_code].flat();
  const text = response.body.toString("utf8");
  const result: ModuleResult = {
    changed: false,
    status: response.status,
    url,
    redirected,
    elapsed: Math.round(elapsedMs) / 1000,
    headers: response.headers,
    content_type: response.headers["content-type"],
    content_length: response.body.length,
  };
  if (/\bjson\b/i.test(response.headers["content-type"] ?? "")) {
    try {
      result.json = JSON.parse(text);
    } catch {
      // a server that says JSON and sends something else: the content still tells
    }
  }
  if (args.return_content) result.content = text;
  if (!expected.includes(response.status)) {
    result.failed = true;
    result.msg = `status ${response.status} from ${url}; expected ${expected.join(" or ")}`;
    if (!args.return_content) result.content = text.slice(0, 2000);
  } else result.msg = `OK (${response.body.length} bytes)`;
  return result;
}
