import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { coversName } from "../../../src/modules/tls/certificate.js";
import { tlsCheck } from "../../../src/modules/tls_check.js";
import { closeServer, issueCert, makeCa, removeCa, startTlsServer, type TestCa } from "../../helpers/tls.js";
import { runModule } from "./context.js";

describe("tls_check against a loopback TLS server with certificates made by openssl", () => {
  let ca: TestCa;
  let otherCa: TestCa;
  const servers: Server[] = [];
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    ca = makeCa("Tsible Test CA");
    otherCa = makeCa("Somebody Else CA");
    const serve = async (name: string, cert: ReturnType<typeof issueCert>) => {
      const { port, server } = await startTlsServer(cert, [ca.certPem]);
      servers.push(server);
      ports[name] = port;
    };
    await serve("valid", issueCert(ca, ["app.example.test", "*.api.example.test"], { days: 60 }));
    await serve(
      "expired",
      issueCert(ca, ["app.example.test"], {
        from: new Date(Date.now() - 90 * 86_400_000),
        until: new Date(Date.now() - 86_400_000),
      }),
    );
    await serve("short", issueCert(ca, ["app.example.test"], { days: 5 }));
    await serve("foreign", issueCert(otherCa, ["app.example.test"], { days: 60 }));
  });
  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
    removeCa(ca);
    removeCa(otherCa);
  });

  const check = (name: string, args: Record<string, unknown>) =>
    runModule(tlsCheck, { host: "127.0.0.1", port: ports[name], ...args });

  test("a valid certificate passes and is described", async () => {
    const result = await check("valid", {
      domain: "app.example.test",
      issuer: "Tsible Test CA",
      min_days: 30,
    });
    expect(result.failed).toBeUndefined();
    expect(result).toMatchObject({
      changed: false,
      sans: ["app.example.test", "*.api.example.test"],
      subject: "CN=app.example.test",
      issuer: "O=tsible tests, CN=Tsible Test CA",
    });
    expect(result.days_left).toBeGreaterThanOrEqual(59);
    expect(new Date(result.not_after as string).getTime()).toBeGreaterThan(Date.now());
  });

  test("a wildcard covers exactly one label (RFC 6125)", async () => {
    expect((await check("valid", { domain: "v1.api.example.test" })).failed).toBeUndefined();
    const deeper = await check("valid", { domain: "a.b.api.example.test" });
    expect(deeper).toMatchObject({
      failed: true,
      msg: expect.stringContaining("does not cover a.b.api.example.test"),
    });
    expect((await check("valid", { domain: "api.example.test" })).failed).toBe(true);
  });

  test("wrong name, expired, too few days left and wrong issuer each fail with the reason", async () => {
    expect((await check("valid", { domain: "other.example.test" })).msg).toContain(
      "does not cover other.example.test",
    );
    const expired = await check("expired", { domain: "app.example.test" });
    expect(expired).toMatchObject({ failed: true, msg: expect.stringContaining("expired") });
    expect(expired.days_left).toBeLessThan(0);
    const short = await check("short", { domain: "app.example.test", min_days: 14 });
    expect(short.msg).toMatch(/expires in [45] days, fewer than 14/);
    const foreign = await check("foreign", { domain: "app.example.test", issuer: "Tsible Test CA" });
    expect(foreign).toMatchObject({ failed: true, msg: expect.stringContaining("Somebody Else CA") });
  });

  test("validate_chain verifies against ca_path; via host uses the host's openssl", async () => {
    const trusted = await check("valid", {
      domain: "app.example.test",
      validate_chain: true,
      ca_path: ca.certPath,
    });
    expect(trusted).toMatchObject({ chain_valid: true });
    expect(trusted.failed).toBeUndefined();
    const untrusted = await check("foreign", {
      domain: "app.example.test",
      validate_chain: true,
      ca_path: ca.certPath,
    });
    expect(untrusted).toMatchObject({ failed: true, chain_valid: false });

    const viaHost = await check("valid", { domain: "app.example.test", via: "host" });
    expect(viaHost).toMatchObject({ changed: false, sans: ["app.example.test", "*.api.example.test"] });
    expect(viaHost.failed).toBeUndefined();
  });

  test("a closed port fails with the connection error", async () => {
    const closed = await runModule(tlsCheck, {
      host: "127.0.0.1",
      port: 1,
      domain: "app.example.test",
      timeout: 2,
    });
    expect(closed).toMatchObject({ failed: true, msg: expect.stringContaining("no TLS connection") });
  });

  test("acme.json: domains with certificates and their expiry; a missing domain fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tsible-acme-"));
    try {
      const a = issueCert(ca, ["ems.example.test", "www.ems.example.test"], { days: 70 });
      const b = issueCert(ca, ["sms.example.test"], { days: 3 });
      const acme = {
        letsencrypt: {
          Account: { Email: "ops@example.test" },
          Certificates: [
            {
              domain: { main: "ems.example.test", sans: ["www.ems.example.test"] },
              certificate: b64(a.certPem + ca.certPem),
              key: b64(a.keyPem),
              Store: "default",
            },
            {
              domain: { main: "sms.example.test" },
              certificate: b64(b.certPem),
              key: b64(b.keyPem),
              Store: "default",
            },
          ],
        },
        staging: { Account: null, Certificates: null },
      };
      const path = join(dir, "acme.json");
      writeFileSync(path, JSON.stringify(acme), { mode: 0o600 });

      const report = await runModule(tlsCheck, { acme_json: path, domains: ["www.ems.example.test"] });
      expect(report.failed).toBeUndefined();
      expect(report.domains).toMatchObject({
        "ems.example.test": { resolver: "letsencrypt" },
        "www.ems.example.test": { resolver: "letsencrypt" },
        "sms.example.test": { resolver: "letsencrypt" },
      });
      expect(JSON.stringify(report)).not.toContain(b64(a.keyPem));
      const certs = report.certificates as { main: string; days_left: number; names: string[] }[];
      expect(certs.map((c) => c.main)).toEqual(["ems.example.test", "sms.example.test"]);
      expect(certs[0]!.names).toEqual(["ems.example.test", "www.ems.example.test"]);

      const missing = await runModule(tlsCheck, {
        acme_json: path,
        domains: ["ems.example.test", "new.example.test"],
        min_days: 10,
      });
      expect(missing).toMatchObject({ failed: true, problems: ["no certificate for new.example.test"] });
      const soon = await runModule(tlsCheck, {
        acme_json: path,
        domains: ["sms.example.test"],
        min_days: 10,
      });
      expect(soon.msg).toMatch(/^sms.example.test: the certificate expires in [23] days/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("name matching follows RFC 6125 on made certificates", () => {
    const cert = new X509Certificate(issueCert(ca, ["*.example.test", "exact.test", "127.0.0.1"]).certPem);
    expect(coversName(cert, "a.example.test")).toBe(true);
    expect(coversName(cert, "A.EXAMPLE.TEST")).toBe(true);
    expect(coversName(cert, "example.test")).toBe(false);
    expect(coversName(cert, "x.a.example.test")).toBe(false);
    expect(coversName(cert, "exact.test")).toBe(true);
    expect(coversName(cert, "127.0.0.1")).toBe(true);
    expect(coversName(cert, "127.0.0.2")).toBe(false);
  });
});

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}
