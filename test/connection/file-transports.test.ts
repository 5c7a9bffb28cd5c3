import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { becomeFiles, ShellFiles } from "../../src/connection/shell-files.js";
import type { SshConnection } from "../../src/connection/ssh/index.js";
import type { FileTransport } from "../../src/connection/types.js";
import { connectTo } from "../helpers/ssh-connect.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";

const skip = sshdSkipReason();

interface TransportCase {
  name: string;
  /** Whether operations run as root (chown to others works) or as tsible-nopw. */
  root: boolean;
  make: (conns: { root: SshConnection; nopw: SshConnection }) => FileTransport;
}

const transports: TransportCase[] = [
  { name: "sftp as root", root: true, make: (c) => c.root.files },
  { name: "sftp as a plain user", root: false, make: (c) => c.nopw.files },
  { name: "shell as root", root: true, make: (c) => new ShellFiles((cmd, o) => c.root.exec(cmd, o), "root") },
  {
    name: "shell as a plain user",
    root: false,
    make: (c) => new ShellFiles((cmd, o) => c.nopw.exec(cmd, o), "nopw"),
  },
  {
    name: "shell under become (plain user -> root)",
    root: true,
    make: (c) => becomeFiles(c.nopw, { user: "root", method: "sudo" }),
  },
];

describe.skipIf(skip)("file transports against a real sshd", () => {
  let sshd: Sshd;
  let conns: { root: SshConnection; nopw: SshConnection };
  let nopwUid: number;

  beforeAll(async () => {
    sshd = await startSshd();
    conns = { root: await connectTo(sshd, "root"), nopw: await connectTo(sshd, TEST_USERS.nopw) };
    nopwUid = Number((await conns.nopw.exec("id -u")).stdout.trim());
  });
  afterAll(async () => {
    await conns?.root.close();
    await conns?.nopw.close();
    await sshd?.stop();
  });

  describe.each(transports)("$name", (tc) => {
    let files: FileTransport;
    let base: string;

    beforeAll(async () => {
      files = tc.make(conns);
      base = `/tmp/tsible-files-${randomBytes(4).toString("hex")}`;
      await conns.root.exec(`mkdir -m 0755 ${base} && chown ${TEST_USERS.nopw} ${base}`);
    });
    afterAll(async () => {
      await conns.root.exec(`rm -rf ${base}`);
    });

    const leftovers = async (dir: string) => (await files.readdir(dir)).filter((n) => n.includes("tsible-"));

    it("writes atomically with the requested mode, reads back binary data, leaves no temp file", async () => {
      const data = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(100_000),
      ]);
      const path = `${base}/data.bin`;
      await files.writeFile(path, data, { mode: 0o640 });
      expect((await files.readFile(path))?.equals(data)).toBe(true);
      const stat = await files.stat(path);
      expect(stat).toMatchObject({ type: "file", mode: 0o640, size: data.length });
      expect(Math.abs(stat!.mtime - Date.now() / 1000)).toBeLessThan(120);
      await files.writeFile(path, Buffer.from("second\n"), { mode: 0o604 });
      expect((await files.readFile(path))?.toString()).toBe("second\n");
      expect((await files.stat(path))?.mode).toBe(0o604);
      expect(await leftovers(base)).toEqual([]);
    });

    it("writes an empty file and a mode wider than the umask", async () => {
      await files.writeFile(`${base}/empty`, Buffer.alloc(0), { mode: 0o775 });
      expect(await files.stat(`${base}/empty`)).toMatchObject({ size: 0, mode: 0o775 });
    });

    it("sets the owner when allowed, and removes the temp file when it is not", async () => {
      const path = `${base}/owned`;
      if (tc.root) {
        await files.writeFile(path, Buffer.from("x"), { mode: 0o600, uid: nopwUid, gid: -1 });
        expect((await files.stat(path))?.uid).toBe(nopwUid);
      } else {
        await expect(
          files.writeFile(path, Buffer.from("x"), { mode: 0o600, uid: 0, gid: 0 }),
        ).rejects.toThrow(/owned/);
        expect(await files.stat(path)).toBeUndefined();
      }
      expect(await leftovers(base)).toEqual([]);
    });

    it("fails cleanly when the destination is a directory or its folder is missing", async () => {
      await files.mkdir(`${base}/adir`, 0o755);
      await files.writeFile(`${base}/adir/keep`, Buffer.from("k"), { mode: 0o644 });
      await expect(files.writeFile(`${base}/adir`, Buffer.from("x"), { mode: 0o644 })).rejects.toThrow(
        /adir/,
      );
      await expect(files.writeFile(`${base}/nope/file`, Buffer.from("x"), { mode: 0o644 })).rejects.toThrow(
        /nope/,
      );
      expect(await leftovers(base)).toEqual([]);
      expect(await files.readdir(`${base}/adir`)).toEqual(["keep"]);
    });

    it("reports missing paths as undefined", async () => {
      expect(await files.stat(`${base}/missing`)).toBeUndefined();
      expect(await files.stat(`${base}/missing`, { follow: false })).toBeUndefined();
      expect(await files.readFile(`${base}/missing`)).toBeUndefined();
      await expect(files.readdir(`${base}/missing`)).rejects.toThrow(/missing/);
    });

    it("makes directories with an exact mode, chmods and chowns", async () => {
      await files.mkdir(`${base}/d775`, 0o775);
      expect(await files.stat(`${base}/d775`)).toMatchObject({ type: "directory", mode: 0o775 });
      await expect(files.mkdir(`${base}/d775`, 0o775)).rejects.toThrow(/d775/);
      await files.chmod(`${base}/d775`, 0o700);
      expect((await files.stat(`${base}/d775`))?.mode).toBe(0o700);
      const before = await files.stat(`${base}/d775`);
      await files.chown(`${base}/d775`, -1, -1);
      expect((await files.stat(`${base}/d775`))?.uid).toBe(before?.uid);
      if (tc.root) {
        await files.chown(`${base}/d775`, nopwUid, -1);
        expect(await files.stat(`${base}/d775`)).toMatchObject({ uid: nopwUid, gid: before?.gid });
      }
    });

    it("creates and reads symlinks, following or not", async () => {
      await files.writeFile(`${base}/target`, Buffer.from("t"), { mode: 0o644 });
      await files.symlink("target", `${base}/link`);
      expect(await files.stat(`${base}/link`, { follow: false })).toMatchObject({
        type: "link",
        linkTarget: "target",
      });
      expect(await files.stat(`${base}/link`)).toMatchObject({ type: "file", size: 1 });
      await expect(files.symlink("other", `${base}/link`)).rejects.toThrow(/link/);
      await files.symlink("dangling-nowhere", `${base}/dangling`);
      expect(await files.stat(`${base}/dangling`)).toBeUndefined();
      expect((await files.stat(`${base}/dangling`, { follow: false }))?.linkTarget).toBe("dangling-nowhere");
    });

    it("renames over an existing file", async () => {
      await files.writeFile(`${base}/r1`, Buffer.from("one"), { mode: 0o644 });
      await files.writeFile(`${base}/r2`, Buffer.from("two"), { mode: 0o644 });
      await files.rename(`${base}/r1`, `${base}/r2`);
      expect((await files.readFile(`${base}/r2`))?.toString()).toBe("one");
      expect(await files.stat(`${base}/r1`)).toBeUndefined();
    });

    it("removes files, links, empty and full directories; missing is fine", async () => {
      await files.mkdir(`${base}/tree`, 0o755);
      await files.mkdir(`${base}/tree/sub`, 0o755);
      await files.writeFile(`${base}/tree/sub/f`, Buffer.from("f"), { mode: 0o644 });
      await files.mkdir(`${base}/emptydir`, 0o755);
      await files.remove(`${base}/emptydir`);
      expect(await files.stat(`${base}/emptydir`)).toBeUndefined();
      await expect(files.remove(`${base}/tree`)).rejects.toThrow(/tree/);
      await files.remove(`${base}/tree`, { recursive: true });
      expect(await files.stat(`${base}/tree`)).toBeUndefined();
      await files.remove(`${base}/never-was`);
      await files.remove(`${base}/never-was`, { recursive: true });
    });

    it("lists directories with odd names", async () => {
      await files.mkdir(`${base}/odd`, 0o755);
      const names = [".hidden", "..dots", "with space", "new\nline", "ünï", "-dash"];
      for (const n of names) await files.writeFile(`${base}/odd/${n}`, Buffer.from(n), { mode: 0o644 });
      expect((await files.readdir(`${base}/odd`)).sort()).toEqual([...names].sort());
      expect(await files.readdir(`${base}/odd/..`)).toContain("odd");
    });
  });
});
