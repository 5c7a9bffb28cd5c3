/** The behaviour every FileTransport must show, run against each implementation on real hosts. */

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileTransport } from "../../src/connection/types.js";

export interface TransportUnderTest {
  files: FileTransport;
  /** A fresh empty folder the transport may write in. */
  base: string;
  /** Whether it acts as root (may chown to others) or as a plain user (may not). */
  root: boolean;
  /** A uid other than the acting user's, for chown. */
  otherUid: number;
}

export function fileTransportContract(
  name: string,
  setup: () => Promise<TransportUnderTest>,
  cleanup: () => Promise<void>,
) {
  describe(name, () => {
    // biome-ignore lint/suspicious/noExplicitAny: filled in beforeAll
    const t: TransportUnderTest = {} as any;
    beforeAll(async () => {
      Object.assign(t, await setup());
    });
    afterAll(cleanup);

    const leftovers = async (dir: string) =>
      (await t.files.readdir(dir)).filter((n) => n.includes("tsible-"));

    it("writes atomically with the requested mode, reads back binary data, leaves no temp file", async () => {
      const data = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        randomBytes(100_000),
      ]);
      const path = `${t.base}/data.bin`;
      await t.files.writeFile(path, data, { mode: 0o640 });
      expect((await t.files.readFile(path))?.equals(data)).toBe(true);
      const stat = await t.files.stat(path);
      expect(stat).toMatchObject({ type: "file", mode: 0o640, size: data.length });
      expect(Math.abs(stat!.mtime - Date.now() / 1000)).toBeLessThan(120);
      await t.files.writeFile(path, Buffer.from("second\n"), { mode: 0o604 });
      expect((await t.files.readFile(path))?.toString()).toBe("second\n");
      expect((await t.files.stat(path))?.mode).toBe(0o604);
      expect(await leftovers(t.base)).toEqual([]);
    });

    it("writes an empty file and a mode wider than the umask", async () => {
      await t.files.writeFile(`${t.base}/empty`, Buffer.alloc(0), { mode: 0o775 });
      expect(await t.files.stat(`${t.base}/empty`)).toMatchObject({ size: 0, mode: 0o775 });
    });

    it("sets the owner when allowed, and removes the temp file when it is not", async () => {
      const path = `${t.base}/owned`;
      if (t.root) {
        await t.files.writeFile(path, Buffer.from("x"), { mode: 0o600, uid: t.otherUid, gid: -1 });
        expect((await t.files.stat(path))?.uid).toBe(t.otherUid);
      } else {
        await expect(
          t.files.writeFile(path, Buffer.from("x"), { mode: 0o600, uid: 0, gid: 0 }),
        ).rejects.toThrow(/owned/);
        expect(await t.files.stat(path)).toBeUndefined();
      }
      expect(await leftovers(t.base)).toEqual([]);
    });

    it("fails cleanly when the destination is a directory or its folder is missing", async () => {
      await t.files.mkdir(`${t.base}/adir`, 0o755);
      await t.files.writeFile(`${t.base}/adir/keep`, Buffer.from("k"), { mode: 0o644 });
      await expect(t.files.writeFile(`${t.base}/adir`, Buffer.from("x"), { mode: 0o644 })).rejects.toThrow(
        /adir/,
      );
      await expect(
        t.files.writeFile(`${t.base}/nope/file`, Buffer.from("x"), { mode: 0o644 }),
      ).rejects.toThrow(/nope/);
      expect(await leftovers(t.base)).toEqual([]);
      expect(await t.files.readdir(`${t.base}/adir`)).toEqual(["keep"]);
    });

    it("reports missing paths as undefined", async () => {
      expect(await t.files.stat(`${t.base}/missing`)).toBeUndefined();
      expect(await t.files.stat(`${t.base}/missing`, { follow: false })).toBeUndefined();
      expect(await t.files.readFile(`${t.base}/missing`)).toBeUndefined();
      await expect(t.files.readdir(`${t.base}/missing`)).rejects.toThrow(/missing/);
    });

    it("makes directories with an exact mode, chmods and chowns", async () => {
      await t.files.mkdir(`${t.base}/d775`, 0o775);
      expect(await t.files.stat(`${t.base}/d775`)).toMatchObject({ type: "directory", mode: 0o775 });
      await expect(t.files.mkdir(`${t.base}/d775`, 0o775)).rejects.toThrow(/d775/);
      await t.files.chmod(`${t.base}/d775`, 0o700);
      expect((await t.files.stat(`${t.base}/d775`))?.mode).toBe(0o700);
      const before = await t.files.stat(`${t.base}/d775`);
      await t.files.chown(`${t.base}/d775`, -1, -1);
      expect((await t.files.stat(`${t.base}/d775`))?.uid).toBe(before?.uid);
      if (t.root) {
        await t.files.chown(`${t.base}/d775`, t.otherUid, -1);
        expect(await t.files.stat(`${t.base}/d775`)).toMatchObject({ uid: t.otherUid, gid: before?.gid });
      }
    });

    it("creates and reads symlinks, following or not", async () => {
      await t.files.writeFile(`${t.base}/target`, Buffer.from("t"), { mode: 0o644 });
      await t.files.symlink("target", `${t.base}/link`);
      expect(await t.files.stat(`${t.base}/link`, { follow: false })).toMatchObject({
        type: "link",
        linkTarget: "target",
      });
      expect(await t.files.stat(`${t.base}/link`)).toMatchObject({ type: "file", size: 1 });
      await expect(t.files.symlink("other", `${t.base}/link`)).rejects.toThrow(/link/);
      await t.files.symlink("dangling-nowhere", `${t.base}/dangling`);
      expect(await t.files.stat(`${t.base}/dangling`)).toBeUndefined();
      expect((await t.files.stat(`${t.base}/dangling`, { follow: false }))?.linkTarget).toBe(
        "dangling-nowhere",
      );
    });

    it("renames over an existing file", async () => {
      await t.files.writeFile(`${t.base}/r1`, Buffer.from("one"), { mode: 0o644 });
      await t.files.writeFile(`${t.base}/r2`, Buffer.from("two"), { mode: 0o644 });
      await t.files.rename(`${t.base}/r1`, `${t.base}/r2`);
      expect((await t.files.readFile(`${t.base}/r2`))?.toString()).toBe("one");
      expect(await t.files.stat(`${t.base}/r1`)).toBeUndefined();
    });

    it("removes files, links, empty and full directories; missing is fine", async () => {
      await t.files.mkdir(`${t.base}/tree`, 0o755);
      await t.files.mkdir(`${t.base}/tree/sub`, 0o755);
      await t.files.writeFile(`${t.base}/tree/sub/f`, Buffer.from("f"), { mode: 0o644 });
      await t.files.mkdir(`${t.base}/emptydir`, 0o755);
      await t.files.remove(`${t.base}/emptydir`);
      expect(await t.files.stat(`${t.base}/emptydir`)).toBeUndefined();
      await expect(t.files.remove(`${t.base}/tree`)).rejects.toThrow(/tree/);
      await t.files.remove(`${t.base}/tree`, { recursive: true });
      expect(await t.files.stat(`${t.base}/tree`)).toBeUndefined();
      await t.files.remove(`${t.base}/never-was`);
      await t.files.remove(`${t.base}/never-was`, { recursive: true });
    });

    it("lists directories with odd names", async () => {
      await t.files.mkdir(`${t.base}/odd`, 0o755);
      const names = [".hidden", "..dots", "with space", "new\nline", "ünï", "-dash"];
      for (const n of names) await t.files.writeFile(`${t.base}/odd/${n}`, Buffer.from(n), { mode: 0o644 });
      expect((await t.files.readdir(`${t.base}/odd`)).sort()).toEqual([...names].sort());
      expect(await t.files.readdir(`${t.base}/odd/..`)).toContain("odd");
    });
  });
}

export const uniqueBase = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
