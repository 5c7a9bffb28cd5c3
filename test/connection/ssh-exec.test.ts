import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSsh, type SshConnection } from "../../src/connection/ssh/index.js";
import { type Sshd, sshdSkipReason, startSshd } from "../helpers/sshd.js";

const skip = sshdSkipReason();

describe.skipIf(skip)("ssh exec against a real sshd", () => {
  let sshd: Sshd;
  let conn: SshConnection;

  beforeAll(async () => {
    sshd = await startSshd();
    conn = await openSsh({
      host: sshd.host,
      port: sshd.port,
      user: "root",
      privateKeys: [sshd.clientKey],
      agent: false,
      knownHostsFiles: [sshd.knownHosts],
    });
  });
  afterAll(async () => {
    await conn?.close();
    await sshd?.stop();
  });

  it("returns rc, stdout and stderr", async () => {
    const r = await conn.exec("echo out; echo err >&2; exit 3");
    expect(r).toEqual({ rc: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("sends stdin, honours cwd and env", async () => {
    expect((await conn.exec("cat", { stdin: "héllo\n" })).stdout).toBe("héllo\n");
    expect((await conn.exec("pwd", { cwd: "/tmp" })).stdout).toBe("/tmp\n");
    const r = await conn.exec('printf %s "$GREETING"', { env: { GREETING: "it's a 'quote' $HOME" } });
    expect(r.stdout).toBe("it's a 'quote' $HOME");
  });

  it("fails in a missing cwd without running the command", async () => {
    const r = await conn.exec("echo ran", { cwd: "/does/not/exist" });
    expect(r.rc).not.toBe(0);
    expect(r.stdout).toBe("");
  });

  it("carries large output intact and streams it", async () => {
    let streamed = 0;
    const r = await conn.exec("head -c 5000000 /dev/zero | tr '\\0' a", {
      onStdout: (c) => {
        streamed += c.length;
      },
    });
    expect(r.stdout.length).toBe(5_000_000);
    expect(streamed).toBe(5_000_000);
    expect(/^a+$/.test(r.stdout)).toBe(true);
  });

  it("runs 20 concurrent execs on one connection, at most 8 channels at once", async () => {
    const marker = `/tmp/tsible-conc-${process.pid}`;
    await conn.exec(`rm -rf ${marker}; mkdir ${marker}`);
    // Each command records itself while running; the peak count shows the channel limit.
    const cmd = (i: number) =>
      `touch ${marker}/${i}; ls ${marker} | wc -l; sleep 0.3; rm ${marker}/${i}; echo done ${i}`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => conn.exec(cmd(i))));
    for (const [i, r] of results.entries()) {
      expect(r.rc).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`done ${i}\\n$`));
    }
    const peak = Math.max(...results.map((r) => Number(r.stdout.split("\n")[0])));
    expect(peak).toBeLessThanOrEqual(8);
    expect(peak).toBeGreaterThan(1);
    await conn.exec(`rm -rf ${marker}`);
  });

  it("reports a killing signal", async () => {
    const r = await conn.exec("kill -TERM $$");
    expect(r.signal).toBe("SIGTERM");
    expect(r.rc).toBe(128 + 15);
  });

  it("times out and kills the command", async () => {
    const started = Date.now();
    await expect(conn.exec("sleep 20", { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops on an AbortSignal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop now")), 200);
    await expect(conn.exec("sleep 20", { signal: controller.signal })).rejects.toThrow("stop now");
    expect((await conn.exec("echo still usable")).stdout).toBe("still usable\n");
  });
});
