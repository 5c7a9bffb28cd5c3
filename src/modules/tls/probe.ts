import type { X509Certificate } from "node:crypto";

export interface ProbeResult {
  certificate: X509Certificate;
  /** Whether the chain verifies against the trusted CAs (Node's, or `ca` when given). */
  authorized: boolean;
  authorizationError: string | undefined;
  protocol: string | undefined;
}

/** Opens a TLS connection from the controller with SNI `servername` and returns the peer's certificate. */
export async function probeTls(opts: {
  host: string;
  port: number;
  servername: string;
  ca?: string | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<ProbeResult> {
  // loaded on first use: node's tls costs every run's start that never probes a certificate
  const { connect } = await import("node:tls");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: opts.host,
      port: opts.port,
      // SNI must be a host name; an IP address is sent without it
      ...(/^[\d.]+$|:/.test(opts.servername) ? {} : { servername: opts.servername }),
      rejectUnauthorized: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
      timeout: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    socket.once("secureConnect", () => {
      const certificate = socket.getPeerX509Certificate();
      const result = {
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        protocol: socket.getProtocol() ?? undefined,
      };
      socket.end();
      if (!certificate) reject(new Error("the server sent no certificate"));
      else resolve({ certificate, ...result });
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`no TLS handshake with ${opts.host}:${opts.port} within ${opts.timeoutMs} ms`));
    });
    socket.once("error", reject);
  });
}
