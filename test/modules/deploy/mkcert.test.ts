import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { mkcert } from "../../../src/modules/mkcert.js";
import { issueCert, makeCa, removeCa } from "../../helpers/tls.js";
import { runModule } from "./context.js";

const missing = existsSync("/usr/bin/mkcert")
  ? undefined
  : "mkcert is not installed (apt-get install mkcert)";
if (missing && process.env.CI) throw new Error(`CI must run the mkcert tests: ${missing}`);

describe.skipIf(missing)(`mkcert with Debian's mkcert${missing ? ` (skipped: ${missing})` : ""}`, () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-mkcert-"));
  const dest = join(dir, "certs");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const domains = ["ems.localhost", "*.ems.localhost", "127.0.0.1"];

  test("makes a CA and a certificate once; check mode predicts; the key is private", async () => {
    const predicted = await runModule(mkcert, { domains, dest }, { check: true });
    expect(predicted).toMatchObject({ changed: true, reasons: [expect.stringContaining("no certificate")] });
    expect(existsSync(dest)).toBe(false);

    const made = await runModule(mkcert, { domains, dest });
    expect(made).toMatchObject({
      changed: true,
      cert_file: join(dest, "ems.localhost.pem"),
      key_file: join(dest, "ems.localhost-key.pem"),
      sans: domains,
    });
    const cert = new X509Certificate(readFileSync(join(dest, "ems.localhost.pem")));
    const ca = new X509Certificate(readFileSync(join(dest, "ca", "rootCA.pem")));
    expect(cert.checkIssued(ca)).toBe(true);
    expect(statSync(join(dest, "ems.localhost-key.pem")).mode & 0o077).toBe(0);

    const again = await runModule(mkcert, {
      domains: ["ems.localhost", "127.0.0.1", "*.EMS.localhost"],
      dest,
    });
    expect(again).toMatchObject({ changed: false, sans: domains });
    expect(readFileSync(join(dest, "ems.localhost.pem"), "utf8")).toBe(cert.toString());
  });

  test("other names, a near expiry or a foreign issuer make it again", async () => {
    const more = await runModule(mkcert, { domains: [...domains, "sms.localhost"], dest });
    expect(more).toMatchObject({ changed: true, reasons: [expect.stringContaining("names differ")] });
    expect(more.sans).toContain("sms.localhost");

    const soon = await runModule(
      mkcert,
      { domains: [...domains, "sms.localhost"], dest, min_days: 5000 },
      { check: true },
    );
    expect(soon).toMatchObject({ changed: true, reasons: [expect.stringMatching(/^expires in \d+ days$/)] });

    const foreign = makeCa("Not mkcert");
    try {
      const stranger = issueCert(foreign, ["x.localhost"], { days: 90 });
      const caroot = join(dest, "ca");
      const result = await runModule(mkcert, {
        domains: ["x.localhost"],
        dest,
        cert_file: stranger.certPath,
        key_file: stranger.keyPath,
        caroot,
      });
      expect(result).toMatchObject({ changed: true, reasons: [`not signed by the CA in ${caroot}`] });
      expect(new X509Certificate(readFileSync(stranger.certPath)).issuer).toContain("mkcert");
    } finally {
      removeCa(foreign);
    }
  });
});
