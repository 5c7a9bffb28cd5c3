import { certificatesFromPem } from "./certificate.js";

/** One certificate Traefik keeps in acme.json. */
export interface AcmeEntry {
  resolver: string;
  main: string;
  sans: string[];
  /** The leaf certificate, decoded from the entry's base64 PEM; undefined when it cannot be read. */
  pem: string | undefined;
}

interface TraefikCertificate {
  domain?: { main?: string; sans?: string[] | null };
  certificate?: string;
}

/**
 * Reads Traefik's acme.json (v2 and later): `{ "<resolver>": { "Account": ..., "Certificates": [
 * { "domain": { "main", "sans" }, "certificate": base64 PEM, "key": ... } ] } }`. Keys are never kept.
 */
export function parseAcmeJson(text: string): AcmeEntry[] {
  const data = JSON.parse(text) as Record<string, { Certificates?: TraefikCertificate[] | null } | null>;
  const entries: AcmeEntry[] = [];
  for (const [resolver, store] of Object.entries(data ?? {})) {
    for (const cert of store?.Certificates ?? []) {
      const main = cert.domain?.main;
      if (!main) continue;
      const pem = cert.certificate ? Buffer.from(cert.certificate, "base64").toString("utf8") : undefined;
      entries.push({
        resolver,
        main,
        sans: cert.domain?.sans ?? [],
        pem: pem && certificatesFromPem(pem)[0]?.toString(),
      });
    }
  }
  return entries;
}
