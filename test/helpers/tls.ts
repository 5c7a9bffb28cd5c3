/**
 * Certificates made in the tests with the real openssl (a CA, leaves with chosen names and validity
 * dates, expired ones included through `openssl ca -startdate/-enddate`), and a loopback TLS server.
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";

export interface TestCa {
  dir: string;
  certPath: string;
  keyPath: string;
  certPem: string;
}

export interface TestCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

const openssl = (args: string[], cwd?: string) =>
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

/** A self-signed CA in a fresh temp folder, with `openssl ca`'s database beside it. */
export function makeCa(commonName: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "tsible-ca-"));
  const keyPath = join(dir, "ca.key");
  const certPath = join(dir, "ca.pem");
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
    ].concat(["-out", certPath, "-days", "30", "-subj", `/O=tsible tests/CN=${commonName}`]),
  );
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ca]",
      "default_ca = test",
      "[test]",
      `dir = ${dir}`,
      "database = $dir/index.txt",
      "serial = $dir/serial",
      "new_certs_dir = $dir",
      "default_md = sha256",
      "policy = anything",
      "unique_subject = no",
      "copy_extensions = copy",
      "[anything]",
      "commonName = supplied",
      "",
    ].join("\n"),
  );
  return { dir, certPath, keyPath, certPem: readFileSync(certPath, "utf8") };
}

/** `openssl ca` date form: YYYYMMDDHHMMSSZ. */
function caDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

/** A leaf for `names` (first one is the CN), valid from `from` to `until` (defaults: yesterday, +days). */
export function issueCert(
  ca: TestCa,
  names: string[],
  opts: { from?: Date; until?: Date; days?: number } = {},
): TestCert {
  const id = `leaf-${Math.random().toString(36).slice(2, 10)}`;
  const keyPath = join(ca.dir, `${id}.key`);
  const csrPath = join(ca.dir, `${id}.csr`);
  const certPath = join(ca.dir, `${id}.pem`);
  const sans = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  openssl(
    [
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyPath,
      "-out",
      csrPath,
    ].concat(["-subj", `/CN=${names[0]}`, "-addext", `subjectAltName=${sans}`]),
  );
  const from = opts.from ?? new Date(Date.now() - 86_400_000);
  const until = opts.until ?? new Date(Date.now() + (opts.days ?? 30) * 86_400_000);
  openssl(
    [
      "ca",
      "-batch",
      "-config",
      join(ca.dir, "ca.cnf"),
      "-cert",
      ca.certPath,
      "-keyfile",
      ca.keyPath,
      "-notext",
    ].concat(["-in", csrPath, "-out", certPath, "-startdate", caDate(from), "-enddate", caDate(until)]),
  );
  return {
    certPath,
    keyPath,
    certPem: readFileSync(certPath, "utf8"),
    keyPem: readFileSync(keyPath, "utf8"),
  };
}

export function removeCa(ca: TestCa): void {
  rmSync(ca.dir, { recursive: true, force: true });
}

/** A TLS server on 127.0.0.1 serving `cert` (plus the CA as chain) and answering "ok". */
export async function startTlsServer(
  cert: TestCert,
  chain: string[] = [],
): Promise<{ port: number; server: Server }> {
  const server = createServer({ key: cert.keyPem, cert: [cert.certPem, ...chain].join("\n") }, (socket) => {
    socket.end("ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, server };
}

export function closeServer(server: { close(cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
