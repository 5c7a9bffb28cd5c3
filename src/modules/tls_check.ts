import { readFileSync } from "node:fs";
import { shellJoin, shq } from "../connection/quote.js";
import { TsibleError } from "../errors.js";
import { parseAcmeJson } from "./tls/acme.js";
import { certificatesFromPem, coversName, judge, summarize } from "./tls/certificate.js";
import { probeTls } from "./tls/probe.js";
import type { ModuleContext, ModuleDefinition, ModuleResult } from "./types.js";

export interface TlsCheckArgs {
  /** The name the certificate must cover, also sent as SNI. */
  domain?: string;
  /** Where to connect; the domain by default. */
  host?: string;
  port?: number;
  /** A substring the issuer must contain (`Let's Encrypt`, `R11`). */
  issuer?: string;
  /** Fail when fewer days than this are left. */
  min_days?: number;
  timeout?: number;
  /** Also fail when the chain does not verify against the trusted CAs (or ca_path). */
  validate_chain?: boolean;
  /** A PEM file on the controller with the CAs to trust for validate_chain. */
  ca_path?: string;
  /** controller (default): Node's TLS from the control machine. host: `openssl s_client` on the host. */
  via?: "controller" | "host";
  /** Traefik's acme.json on the host: report which domains have certificates instead of connecting. */
  acme_json?: string;
  resolver?: string;
  /** With acme_json: the domains that must have a certificate. */
  domains?: string[];
}

/**
 * Checks a served certificate: it must cover the domain (RFC 6125 wildcards), not be expired, and
 * optionally come from an issuer and have min_days left. By default the connection is made FROM THE
 * CONTROLLER with Node's TLS, which sees what the outside world sees; `via: host` asks the host's
 * openssl instead (for ports only the host can reach). Never changes anything, so check mode runs it.
 */
export const tlsCheck: ModuleDefinition<TlsCheckArgs> = {
  name: "tls_check",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      domain: { type: "string", minLength: 1 },
      host: { type: "string", minLength: 1 },
      port: { type: "integer", minimum: 1, maximum: 65535 },
      issuer: { type: "string", minLength: 1 },
      min_days: { type: "integer" },
      timeout: { type: "number", exclusiveMinimum: 0 },
      validate_chain: { type: "boolean" },
      ca_path: { type: "string", minLength: 1 },
      via: { enum: ["controller", "host"] },
      acme_json: { type: "string", minLength: 1 },
      resolver: { type: "string", minLength: 1 },
      domains: { type: "array", items: { type: "string", minLength: 1 } },
    },
  },
  async run(ctx, args) {
    if (args.acme_json) return checkAcmeJson(ctx, args.acme_json, args);
    if (!args.domain)
      throw new TsibleError("tls_check needs `domain` (or `acme_json`)", { kind: "module", ...loc(ctx) });
    const host = args.host ?? args.domain;
    const port = args.port ?? 443;
    const fetched = await fetchCertificate(ctx, args, host, port);
    if ("failure" in fetched) return fetched.failure;
    const { pem, authorized, authorizationError } = fetched;
    const cert = certificatesFromPem(pem)[0];
    if (!cert) return { changed: false, failed: true, msg: `${host}:${port} sent no readable certificate` };
    const summary = summarize(cert);
    const problems = judge(cert, summary, {
      domain: args.domain,
      ...(args.issuer !== undefined ? { issuer: args.issuer } : {}),
      ...(args.min_days !== undefined ? { minDays: args.min_days } : {}),
    });
    if (args.validate_chain && !authorized)
      problems.push(`the chain does not verify: ${authorizationError ?? "unknown reason"}`);
    const result: ModuleResult = {
      changed: false,
      domain: args.domain,
      host,
      port,
      ...summary,
      ...(authorized !== undefined ? { chain_valid: authorized } : {}),
    };
    if (problems.length > 0) return { ...result, failed: true, msg: problems.join("; "), problems };
    return {
      ...result,
      msg: `${args.domain}: valid for ${summary.days_left} more days, issued by ${summary.issuer}`,
    };
  },
};

interface FetchedCertificate {
  pem: string;
  authorized?: boolean;
  authorizationError?: string;
}

async function fetchCertificate(
  ctx: ModuleContext,
  args: TlsCheckArgs,
  host: string,
  port: number,
): Promise<FetchedCertificate | { failure: ModuleResult }> {
  const timeoutMs = (args.timeout ?? 10) * 1000;
  if (args.via === "host") {
    const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    // s_client prints the leaf between BEGIN/END lines; input from /dev/null closes the session
    const command = `${shellJoin(["openssl", "s_client", "-connect", target, "-servername", args.domain!])} </dev/null 2>&1`;
    const out = await ctx.exec(`timeout ${Math.ceil(timeoutMs / 1000)} ${command}`);
    if (!out.stdout.includes("BEGIN CERTIFICATE"))
      return failure(
        `openssl on the host got no certificate from ${target}: ${out.stdout.trim().split("\n").slice(-3).join(" ")}`,
      );
    return { pem: out.stdout };
  }
  try {
    const ca = args.ca_path ? readFileSync(args.ca_path) : undefined;
    const probe = await probeTls({
      host,
      port,
      servername: args.domain!,
      timeoutMs,
      signal: ctx.signal,
      ...(ca ? { ca } : {}),
    });
    return {
      pem: probe.certificate.toString(),
      authorized: probe.authorized,
      ...(probe.authorizationError ? { authorizationError: probe.authorizationError } : {}),
    };
  } catch (err) {
    return failure(`no TLS connection to ${host}:${port}: ${(err as Error).message}`);
  }
}

async function checkAcmeJson(ctx: ModuleContext, path: string, args: TlsCheckArgs): Promise<ModuleResult> {
  const out = await ctx.exec(`cat -- ${shq(path)}`);
  if (out.rc !== 0) return { changed: false, failed: true, msg: `cannot read ${path}: ${out.stderr.trim()}` };
  let entries: ReturnType<typeof parseAcmeJson>;
  try {
    entries = parseAcmeJson(out.stdout).filter((e) => !args.resolver || e.resolver === args.resolver);
  } catch (err) {
    return {
      changed: false,
      failed: true,
      msg: `${path} is not Traefik's acme.json: ${(err as Error).message}`,
    };
  }
  const certificates = entries.map((entry) => {
    const cert = entry.pem ? certificatesFromPem(entry.pem)[0] : undefined;
    const summary = cert ? summarize(cert) : undefined;
    return {
      resolver: entry.resolver,
      main: entry.main,
      sans: entry.sans,
      issuer: summary?.issuer,
      not_after: summary?.not_after,
      days_left: summary?.days_left,
      names: summary?.sans,
      ...(summary ? {} : { error: "no readable certificate" }),
      cert,
    };
  });
  const problems: string[] = [];
  const found: Record<string, { resolver: string; not_after?: string; days_left?: number }> = {};
  for (const c of certificates) {
    for (const name of [c.main, ...c.sans]) {
      found[name] = {
        resolver: c.resolver,
        ...(c.not_after ? { not_after: c.not_after, days_left: c.days_left! } : {}),
      };
    }
  }
  for (const domain of args.domains ?? []) {
    const holder = certificates.find((c) => c.cert && coversName(c.cert, domain));
    if (!holder) {
      problems.push(`no certificate for ${domain}`);
      continue;
    }
    const verdict = judge(holder.cert!, summarize(holder.cert!), {
      ...(args.issuer !== undefined ? { issuer: args.issuer } : {}),
      ...(args.min_days !== undefined ? { minDays: args.min_days } : {}),
    });
    problems.push(...verdict.map((p) => `${domain}: ${p}`));
  }
  const result: ModuleResult = {
    changed: false,
    path,
    certificates: certificates.map(({ cert: _cert, ...rest }) => rest),
    domains: found,
  };
  return problems.length > 0 ? { ...result, failed: true, msg: problems.join("; "), problems } : result;
}

function loc(ctx: ModuleContext) {
  return ctx.location ? { location: ctx.location } : {};
}

function failure(msg: string): { failure: ModuleResult } {
  return { failure: { changed: false, failed: true, msg } };
}
