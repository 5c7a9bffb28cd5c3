import type { X509Certificate } from "node:crypto";
import { posix } from "node:path";
import { shellJoin, shq } from "../connection/quote.js";
import { certificatesFromPem, summarize } from "./tls/certificate.js";
import type { ModuleContext, ModuleDefinition } from "./types.js";

export interface MkcertArgs {
  /** Host names (wildcards allowed), IP addresses or emails the certificate is for. */
  domains: string[];
  /** The folder on the host for the certificate and key. */
  dest: string;
  cert_file?: string;
  key_file?: string;
  /** mkcert's CAROOT on the host; `<dest>/ca` by default. The CA is made there on first use, never installed. */
  caroot?: string;
  /** Renew when fewer days than this are left (default 30). */
  min_days?: number;
  force?: boolean;
}

/**
 * Local-environment certificates with Debian's `mkcert`, signed by the CA in `caroot` (made on first
 * use, not added to any trust store). Idempotent: an existing certificate for the same names, from
 * that CA and not near expiry, is kept.
 */
export const mkcert: ModuleDefinition<MkcertArgs> = {
  name: "mkcert",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["domains", "dest"],
    properties: {
      domains: { type: "array", items: { type: "string", pattern: "^[^-\\s][^\\s]*$" }, minItems: 1 },
      dest: { type: "string", pattern: "^/" },
      cert_file: { type: "string", pattern: "^/" },
      key_file: { type: "string", pattern: "^/" },
      caroot: { type: "string", pattern: "^/" },
      min_days: { type: "integer", minimum: 0 },
      force: { type: "boolean" },
    },
  },
  async run(ctx, args) {
    const stem = args.domains[0]!.replace(/^\*/, "_wildcard");
    const certFile = args.cert_file ?? posix.join(args.dest, `${stem}.pem`);
    const keyFile = args.key_file ?? posix.join(args.dest, `${stem}-key.pem`);
    const caroot = args.caroot ?? posix.join(args.dest, "ca");
    const files = { cert_file: certFile, key_file: keyFile, caroot };

    const reasons = args.force ? ["force"] : await renewalReasons(ctx, certFile, keyFile, caroot, args);
    if (reasons.length === 0) {
      const current = await readCert(ctx, certFile);
      return { changed: false, ...files, ...(current ? summarize(current) : {}) };
    }
    if (ctx.check) return { changed: true, ...files, reasons };
    const dirs = [...new Set([args.dest, posix.dirname(certFile), posix.dirname(keyFile), caroot])];
    const command = [
      `mkdir -p -- ${shellJoin(dirs)}`,
      `CAROOT=${shq(caroot)} ${shellJoin(["mkcert", "-cert-file", certFile, "-key-file", keyFile, "--", ...args.domains])}`,
    ].join(" && ");
    const out = await ctx.exec(command);
    if (out.rc !== 0)
      return {
        changed: false,
        failed: true,
        msg: `mkcert failed: ${(out.stderr || out.stdout).trim()}`,
        rc: out.rc,
      };
    const made = await readCert(ctx, certFile);
    return { changed: true, ...files, reasons, ...(made ? summarize(made) : {}) };
  },
};

/** Why the certificate must be made (again); empty when the existing one serves. */
async function renewalReasons(
  ctx: ModuleContext,
  certFile: string,
  keyFile: string,
  caroot: string,
  args: MkcertArgs,
): Promise<string[]> {
  const cert = await readCert(ctx, certFile);
  if (!cert) return [`no certificate at ${certFile}`];
  const reasons: string[] = [];
  if ((await ctx.exec(`[ -s ${shq(keyFile)} ]`)).rc !== 0) reasons.push(`no key at ${keyFile}`);
  const summary = summarize(cert);
  const have = new Set(summary.sans.map((n) => n.toLowerCase()));
  const want = new Set(args.domains.map((n) => n.toLowerCase()));
  if (have.size !== want.size || [...want].some((n) => !have.has(n)))
    reasons.push(`names differ: has ${summary.sans.join(", ")}`);
  if (summary.days_left < (args.min_days ?? 30)) reasons.push(`expires in ${summary.days_left} days`);
  const ca = await readCert(ctx, posix.join(caroot, "rootCA.pem"));
  if (!ca) reasons.push(`no CA in ${caroot}`);
  else if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
    reasons.push(`not signed by the CA in ${caroot}`);
  return reasons;
}

async function readCert(ctx: ModuleContext, path: string): Promise<X509Certificate | undefined> {
  const out = await ctx.exec(`if [ -f ${shq(path)} ]; then cat -- ${shq(path)}; fi`);
  try {
    return certificatesFromPem(out.stdout)[0];
  } catch {
    return undefined;
  }
}
