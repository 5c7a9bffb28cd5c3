import { X509Certificate } from "node:crypto";

/** What tls_check and mkcert report about a certificate. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses of the subjectAltName extension. */
  sans: string[];
  not_before: string;
  not_after: string;
  /** Whole days until not_after (negative once expired). */
  days_left: number;
  serial: string;
  fingerprint_sha256: string;
}

const DAY_MS = 86_400_000;

export function summarize(cert: X509Certificate, now = new Date()): CertificateSummary {
  const notAfter = new Date(cert.validTo);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    sans: subjectAltNames(cert),
    not_before: new Date(cert.validFrom).toISOString(),
    not_after: notAfter.toISOString(),
    days_left: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    serial: cert.serialNumber,
    fingerprint_sha256: cert.fingerprint256,
  };
}

/** Node prints subjects as `CN=x\nO=y`; one line reads better in results. */
function oneLine(dn: string): string {
  return dn.split("\n").join(", ");
}

/** `DNS:a.example, IP Address:127.0.0.1` -> [a.example, 127.0.0.1]. */
export function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  return text
    .split(/,\s*/)
    .map((entry) => /^(?:DNS|IP Address):(.*)$/.exec(entry.trim())?.[1])
    .filter((name): name is string => name !== undefined && name !== "");
}

/**
 * Whether the certificate is valid for `name`, as RFC 6125 says: DNS SANs (the subject CN only when
 * there are none), a wildcard only as the whole left-most label and matching exactly one label.
 */
export function coversName(cert: X509Certificate, name: string): boolean {
  if (/^[\d.]+$|:/.test(name)) return cert.checkIP(name) !== undefined;
  return (
    cert.checkHost(name, {
      wildcards: true,
      partialWildcards: false,
      multiLabelWildcards: false,
      singleLabelSubdomains: false,
    }) !== undefined
  );
}

/** Splits a PEM bundle (a chain) into its certificates, leaf first. */
export function certificatesFromPem(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new X509Certificate(block));
}

export interface CertificateVerdict {
  problems: string[];
}

/** Everything wrong with a leaf certificate for `domain`; an empty list means it passes. */
export function judge(
  cert: X509Certificate,
  summary: CertificateSummary,
  want: { domain?: string; issuer?: string; minDays?: number },
  now = new Date(),
): string[] {
  const problems: string[] = [];
  if (want.domain !== undefined && !coversName(cert, want.domain))
    problems.push(
      `the certificate does not cover ${want.domain} (names: ${summary.sans.join(", ") || summary.subject})`,
    );
  if (new Date(cert.validTo).getTime() <= now.getTime())
    problems.push(`the certificate expired on ${summary.not_after}`);
  else if (new Date(cert.validFrom).getTime() > now.getTime())
    problems.push(`the certificate is not valid before ${summary.not_before}`);
  else if (want.minDays !== undefined && summary.days_left < want.minDays)
    problems.push(`the certificate expires in ${summary.days_left} days, fewer than ${want.minDays}`);
  if (want.issuer !== undefined && !summary.issuer.toLowerCase().includes(want.issuer.toLowerCase()))
    problems.push(`the issuer is ${summary.issuer}, which does not contain ${JSON.stringify(want.issuer)}`);
  return problems;
}
