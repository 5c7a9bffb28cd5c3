import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SshConnection } from "../../../src/connection/ssh/index.js";
import type { BecomeSpec } from "../../../src/connection/types.js";
import { startRelay } from "../../../src/modules/rsync/relay.js";
import { rsyncModule } from "../../../src/modules/rsync.js";
import type { ModuleContext } from "../../../src/modules/types.js";
import { makeModuleContext, runModule } from "../../helpers/module-context.js";
import { connectTo } from "../../helpers/ssh-connect.js";
import { PW_USER_PASSWORD, type Sshd, startSshd, TEST_USERS } from "../../helpers/sshd.js";
import { snapshotTree } from "../../helpers/tree.js";
import { chownTree, makeSourceTree, ODD_NAMES, ownerOf, rsyncSkipReason } from "./fixtures.js";

const skip = rsyncSkipReason();
let sshd: Sshd;
let work: string;
let src: string;
const conns: SshConnection[] = [];

async function contextFor(user: string, opts: { check?: boolean; become?: BecomeSpec } = {}) {
  const conn = await connectTo(sshd, user);
  conns.push(conn);
  const ctx = makeModuleContext({ conn, check: opts.check ?? false, host: "target" });
  if (!opts.become) return ctx;
  const become = opts.become;
  const withBecome: ModuleContext = {
    ...ctx,
    become,
    exec: (command, execOpts = {}) => conn.exec(command, { ...execOpts, become }),
  };
  return Object.assign(withBecome, { progressLines: ctx.progressLines });
}

function freshDir(name: string, owner?: string): string {
  const dir = mkdtempSync(join(work, `${name}-`));
  chmodSync(dir, 0o755);
  if (owner) chownTree(dir, owner);
  return dir;
}

describe.skipIf(skip)(`rsync over the test sshd${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    sshd = await startSshd();
    work = mkdtempSync(join(tmpdir(), "tsible-rsync-"));
    chmodSync(work, 0o755);
    src = join(work, "src");
    mkdirSync(src, { mode: 0o755 });
    makeSourceTree(src);
  });
  afterAll(async () => {
    for (const conn of conns) await conn.close();
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("push as root copies odd names, links and modes; a second run changes nothing", async () => {
    const dest = join(freshDir("push-root"), "out");
    const ctx = await contextFor("root");
    const first = await runModule(rsyncModule, { src: `${src}/`, dest }, ctx);
    expect(first.failed, String(first.msg)).toBeUndefined();
    expect(first.changed).toBe(true);
    expect(snapshotTree(dest)).toEqual(snapshotTree(src));
    expect(first.changed_files).toEqual(
      expect.arrayContaining([...ODD_NAMES, "link-to-run", "sub dir/dangling"]),
    );
    expect(first.stdout_lines).toContain("cL+++++++++ link-to-run -> run.sh");
    expect(first.cmd).toMatch(/^rsync .*--archive.*-- .* tsible:/);
    const second = await runModule(rsyncModule, { src: `${src}/`, dest }, ctx);
    expect(second).toMatchObject({ changed: false, stdout_lines: [], changed_files: [] });
  });

  test("check mode predicts the changes, touches nothing, and the real run then does exactly those", async () => {
    const dest = freshDir("check");
    const real = await contextFor("root");
    await runModule(rsyncModule, { src: `${src}/`, dest }, real);
    const edited = freshDir("edited-src");
    await runModule(rsyncModule, { src: `${src}/`, dest: edited, local: true }, real);
    appendFileSync(join(edited, "run.sh"), "echo more\n");
    writeFileSync(join(edited, "added.txt"), "new\n");
    const before = snapshotTree(dest);

    const check = await contextFor("root", { check: true });
    const predicted = await runModule(rsyncModule, { src: `${edited}/`, dest }, check);
    expect(predicted.changed).toBe(true);
    expect(predicted.cmd).toContain("--dry-run");
    expect(snapshotTree(dest)).toEqual(before);

    const applied = await runModule(rsyncModule, { src: `${edited}/`, dest }, real);
    expect(applied.changed).toBe(true);
    expect([...(applied.changed_files as string[])].sort()).toEqual(
      [...(predicted.changed_files as string[])].sort(),
    );
    expect(applied.changed_files).toEqual(expect.arrayContaining(["run.sh", "added.txt"]));
    expect(readFileSync(join(dest, "run.sh"), "utf8")).toContain("echo more");
  });

  test("delete removes what the source lacks; exclude keeps patterns out", async () => {
    const dest = freshDir("delete");
    const ctx = await contextFor("root");
    writeFileSync(join(dest, "stale.txt"), "old\n");
    const kept = await runModule(rsyncModule, { src: `${src}/`, dest, exclude: ["*.log"] }, ctx);
    expect(kept.changed).toBe(true);
    expect(existsSync(join(dest, "stale.txt"))).toBe(true);
    expect(existsSync(join(dest, "debug.log"))).toBe(false);

    const deleted = await runModule(
      rsyncModule,
      { src: `${src}/`, dest, exclude: ["*.log"], delete: true },
      ctx,
    );
    expect(deleted.stdout_lines).toEqual(["*deleting   stale.txt"]);
    expect(deleted.changed_files).toEqual(["stale.txt"]);
    expect(existsSync(join(dest, "stale.txt"))).toBe(false);

    const included = await runModule(
      rsyncModule,
      { src: `${src}/`, dest, include: ["debug.log"], exclude: ["*.log"], delete: true },
      ctx,
    );
    expect(included.changed_files).toEqual(["debug.log"]);
  });

  test("a non-root login writes as itself; with become the remote rsync runs as root", async () => {
    const plain = join(freshDir("nopw", TEST_USERS.nopw), "out");
    const user = await contextFor(TEST_USERS.nopw);
    const res = await runModule(rsyncModule, { src: `${src}/`, dest: plain }, user);
    expect(res.failed, String(res.msg)).toBeUndefined();
    expect(ownerOf(join(plain, "run.sh"))).toBe(TEST_USERS.nopw);
    expect(Object.keys(snapshotTree(plain))).toEqual(Object.keys(snapshotTree(src)));

    const rootOnly = freshDir("root-only");
    chmodSync(rootOnly, 0o700);
    const denied = await runModule(rsyncModule, { src: `${src}/`, dest: rootOnly }, user);
    expect(denied.failed).toBe(true);
    expect(String(denied.msg)).toMatch(/Permission denied/);

    chownTree(src, TEST_USERS.nopw);
    try {
      const become = await contextFor(TEST_USERS.nopw, { become: { user: "root", method: "sudo" } });
      const ok = await runModule(rsyncModule, { src: `${src}/`, dest: rootOnly }, become);
      expect(ok.failed, String(ok.msg)).toBeUndefined();
      expect(snapshotTree(rootOnly)).toEqual(snapshotTree(src));
      // the remote side is root, so archive mode keeps the source's owner
      expect(ownerOf(join(rootOnly, "run.sh"))).toBe(TEST_USERS.nopw);
    } finally {
      chownTree(src, "root");
    }
  });

  test("become with a sudo password: the password goes ahead of the stream and never into rsync", async () => {
    const dest = freshDir("pw");
    chmodSync(dest, 0o700);
    const ctx = await contextFor(TEST_USERS.pw, {
      become: { user: "root", method: "sudo", password: PW_USER_PASSWORD },
    });
    const res = await runModule(rsyncModule, { src: `${src}/`, dest }, ctx);
    expect(res.failed, String(res.msg)).toBeUndefined();
    expect(snapshotTree(dest)).toEqual(snapshotTree(src));
    expect(JSON.stringify(res)).not.toContain(PW_USER_PASSWORD);
  });

  test("local mode copies within the host; pull brings host files to the controller", async () => {
    const hostSide = freshDir("host-side", TEST_USERS.nopw);
    const ctx = await contextFor(TEST_USERS.nopw);
    await runModule(rsyncModule, { src: `${src}/`, dest: join(hostSide, "a") }, ctx);
    const copy = await runModule(
      rsyncModule,
      { src: join(hostSide, "a/"), dest: join(hostSide, "b"), local: true },
      ctx,
    );
    expect(copy.changed).toBe(true);
    expect(copy.cmd).not.toContain("--rsh");
    expect(snapshotTree(join(hostSide, "b"))).toEqual(snapshotTree(join(hostSide, "a")));
    const again = await runModule(
      rsyncModule,
      { src: join(hostSide, "a/"), dest: join(hostSide, "b"), local: true },
      ctx,
    );
    expect(again.changed).toBe(false);

    const pulled = join(freshDir("pulled"), "copy");
    const pull = await runModule(rsyncModule, { src: join(hostSide, "b/"), dest: pulled, mode: "pull" }, ctx);
    expect(pull.changed).toBe(true);
    expect(snapshotTree(pulled)).toEqual(snapshotTree(src));
  });

  test("the relay serves only a caller that holds its token", async () => {
    const conn = await connectTo(sshd, "root");
    conns.push(conn);
    const marker = join(freshDir("relay"), "ran");
    const relay = await startRelay({ conn, become: undefined, signal: new AbortController().signal });
    try {
      const socketPath = relay.env.TSIBLE_RSYNC_SOCKET ?? "";
      expect(statSync(socketPath).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(socketPath)).mode & 0o777).toBe(0o700);
      const closed = await new Promise<string>((resolve) => {
        const sock = createConnection(socketPath);
        let received = "";
        sock.on("data", (d) => {
          received += d.toString();
        });
        sock.on("close", () => resolve(received));
        sock.on("error", () => undefined);
        sock.write(
          `${JSON.stringify({ token: "00".repeat(32), argv: ["h", "touch", marker, "--server"] })}\n`,
        );
      });
      expect(closed).toBe("");
      await expect(relay.finished()).rejects.toThrow(/token/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      await relay.close();
    }
    expect(existsSync(relay.env.TSIBLE_RSYNC_SOCKET ?? "")).toBe(false);
  });

  test("a large file reports progress", async () => {
    const big = freshDir("big-src");
    writeFileSync(join(big, "blob.bin"), Buffer.alloc(32 * 1024 * 1024, 7));
    const ctx = await contextFor("root");
    const res = await runModule(
      rsyncModule,
      { src: `${big}/`, dest: freshDir("big-dest"), compress: false },
      ctx,
    );
    expect(res.changed).toBe(true);
    expect(ctx.progressLines.length).toBeGreaterThan(0);
    expect(ctx.progressLines.at(-1)).toMatch(/^rsync \d+% \(/);
  });
});
