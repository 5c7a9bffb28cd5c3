import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { uri } from "../../../src/modules/uri.js";
import { waitFor } from "../../../src/modules/wait_for.js";
import { freePort } from "../../helpers/registry.js";
import { closeServer, issueCert, makeCa, removeCa, type TestCa } from "../../helpers/tls.js";
import { runModule } from "./context.js";

const listen = (server: { listen(port: number, host: string, cb: () => void): unknown }, port = 0) =>
  new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
const portOf = (server: Server | ReturnType<typeof createTcpServer>) => {
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
};

describe("wait_for on the host (loopback ports and files)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsible-wait-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a port that opens later is waited for; a closed one times out with msg", async () => {
    const port = await freePort();
    const server = createTcpServer((socket) => socket.end());
    setTimeout(() => listen(server, port), 1200);
    const opened = await runModule(waitFor, { port, timeout: 20, sleep: 0.3 });
    expect(opened).toMatchObject({ changed: false, state: "started", port });
    expect(opened.failed).toBeUndefined();
    expect(opened.elapsed as number).toBeGreaterThanOrEqual(1);

    const closing = runModule(waitFor, { port, state: "stopped", timeout: 20, sleep: 0.3 });
    setTimeout(() => server.close(), 800);
    expect((await closing).failed).toBeUndefined();

    const never = await runModule(waitFor, { port, timeout: 1, sleep: 0.3, msg: "db never came" });
    expect(never).toMatchObject({ failed: true, msg: "db never came" });
  });

  test("a file appears, then matches a regex; absent waits for removal; check mode runs the checks", async () => {
    const file = join(dir, "app.log");
    setTimeout(() => writeFileSync(file, "starting\n"), 500);
    setTimeout(() => writeFileSync(file, "starting\nready on port 8080\n"), 1500);
    const ready = await runModule(
      waitFor,
      { path: file, search_regex: "ready on port (\\d+)", timeout: 20, sleep: 0.3 },
      { check: true },
    );
    expect(ready).toMatchObject({ changed: false, match_groups: ["8080"] });
    expect(ready.elapsed as number).toBeGreaterThanOrEqual(1);

    setTimeout(() => rmSync(file), 500);
    const gone = await runModule(waitFor, { path: file, state: "absent", timeout: 20, sleep: 0.3 });
    expect(gone.failed).toBeUndefined();
    const missing = await runModule(waitFor, { path: file, timeout: 0.5, sleep: 0.2 });
    expect(missing).toMatchObject({
      failed: true,
      msg: expect.stringContaining(`timeout when waiting for ${file}`),
    });
  });
});

describe("uri against loopback HTTP and HTTPS servers", () => {
  let http: Server;
  let https: Server;
  let ca: TestCa;
  let base: string;
  let secure: string;
  const seen: { method: string; body: string; type: string | undefined; auth: string | undefined }[] = [];

  beforeAll(async () => {
    http = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({
          method: req.method!,
          body,
          type: req.headers["content-type"],
          auth: req.headers.authorization,
        });
        if (req.url === "/json") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ ok: true, echo: body }));
        } else if (req.url === "/moved") {
          res.writeHead(302, { location: "/json" });
          res.end();
        } else if (req.url === "/created") {
          res.writeHead(201, { "x-id": "42" });
          res.end("made");
        } else {
          res.writeHead(404);
          res.end("nothing here");
        }
      });
    });
    await listen(http);
    base = `http://127.0.0.1:${portOf(http)}`;
    ca = makeCa("Tsible URI CA");
    const cert = issueCert(ca, ["127.0.0.1", "localhost"]);
    https = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => res.end("secure"));
    await listen(https);
    secure = `https://127.0.0.1:${portOf(https)}/`;
  });
  afterAll(async () => {
    await closeServer(http);
    await closeServer(https);
    removeCa(ca);
  });

  test("GET JSON, redirects followed for GET, headers returned", async () => {
    const got = await runModule(uri, { url: `${base}/moved` });
    expect(got).toMatchObject({
      changed: false,
      status: 200,
      redirected: true,
      url: `${base}/json`,
      json: { ok: true },
    });
    const direct = await runModule(uri, { url: `${base}/moved`, follow_redirects: "none", status_code: 302 });
    expect(direct).toMatchObject({ status: 302, headers: { location: "/json" } });
  });

  test("POST bodies as JSON and form, status lists, return_content; check mode skips a POST", async () => {
    const json = await runModule(uri, {
      url: `${base}/json`,
      method: "POST",
      body: { name: "ems" },
      body_format: "json",
      headers: { Authorization: "Bearer t0ken" },
    });
    expect(json).toMatchObject({ status: 200, json: { ok: true, echo: '{"name":"ems"}' } });
    expect(seen.at(-1)).toMatchObject({ method: "POST", type: "application/json", auth: "Bearer t0ken" });

    const form = await runModule(uri, {
      url: `${base}/created`,
      method: "PUT",
      body: { a: "1 2", b: "x&y" },
      body_format: "form-urlencoded",
      status_code: [200, 201],
      return_content: true,
    });
    expect(form).toMatchObject({ status: 201, content: "made", headers: { "x-id": "42" } });
    expect(seen.at(-1)).toMatchObject({ body: "a=1+2&b=x%26y", type: "application/x-www-form-urlencoded" });

    const count = seen.length;
    const skipped = await runModule(uri, { url: `${base}/json`, method: "POST" }, { check: true });
    expect(skipped).toMatchObject({ skipped: true, changed: false });
    expect(seen.length).toBe(count);
  });

  test("an unexpected status fails with the start of the body", async () => {
    const missing = await runModule(uri, { url: `${base}/nope` });
    expect(missing).toMatchObject({ failed: true, status: 404, content: "nothing here" });
    expect(missing.msg).toContain("expected 200");
  });

  test("HTTPS: an unknown CA fails unless ca_path trusts it or validate_certs is off", async () => {
    const untrusted = await runModule(uri, { url: secure });
    expect(untrusted).toMatchObject({ failed: true, status: -1 });
    expect(untrusted.msg).toMatch(/certificate/i);
    expect(await runModule(uri, { url: secure, ca_path: ca.certPath, return_content: true })).toMatchObject({
      status: 200,
      content: "secure",
    });
    expect((await runModule(uri, { url: secure, validate_certs: false })).status).toBe(200);
  });
});
