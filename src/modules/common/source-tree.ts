import { promises as fs } from "node:fs";
import { join, posix } from "node:path";
import type { HostFiles } from "../../connection/host-files.js";
import { ModuleFailure } from "./failure.js";

/** A file or directory of a copy source, named relative to the destination folder. */
export interface SourceEntry {
  rel: string;
  type: "file" | "directory";
  mode: number;
  read(): Promise<Buffer>;
}

/** The files of a copy source: one file, or the entries of a directory tree in a stable order. */
export type SourceTree = { type: "file"; file: SourceEntry } | { type: "directory"; entries: SourceEntry[] };

interface Reader {
  stat(path: string): Promise<{ type: "file" | "directory" | "other"; mode: number } | undefined>;
  list(path: string): Promise<string[]>;
  read(path: string): Promise<Buffer>;
}

/**
 * Reads a copy source with Ansible's trailing-slash rule: `dir/` stands for the directory's
 * contents, `dir` for the directory itself (its entries are named `dir/...`). Links are followed.
 */
async function readTree(reader: Reader, path: string, label: string): Promise<SourceTree> {
  const st = await reader.stat(path);
  if (!st) throw new ModuleFailure(`Source ${label} not found`);
  if (st.type === "file") {
    return {
      type: "file",
      file: { rel: posix.basename(path), type: "file", mode: st.mode, read: () => reader.read(path) },
    };
  }
  if (st.type !== "directory") throw new ModuleFailure(`Cannot copy invalid source '${label}': not a file`);
  const entries: SourceEntry[] = [];
  const base = label.endsWith("/") ? "" : posix.basename(path);
  const visit = async (dir: string, rel: string) => {
    for (const name of (await reader.list(dir)).sort()) {
      const full = join(dir, name);
      const childRel = rel === "" ? name : posix.join(rel, name);
      const child = await reader.stat(full);
      if (!child || child.type === "other") continue;
      if (child.type === "directory") {
        entries.push({
          rel: childRel,
          type: "directory",
          mode: child.mode,
          read: () => Promise.resolve(Buffer.alloc(0)),
        });
        await visit(full, childRel);
      } else {
        entries.push({ rel: childRel, type: "file", mode: child.mode, read: () => reader.read(full) });
      }
    }
  };
  await visit(path, base);
  return { type: "directory", entries };
}

/** A source on the control machine (copy's default). */
export function localSource(path: string, label: string): Promise<SourceTree> {
  return readTree(
    {
      stat: async (p) => {
        const st = await fs.stat(p).catch(() => undefined);
        if (!st) return undefined;
        return {
          type: st.isFile() ? "file" : st.isDirectory() ? "directory" : "other",
          mode: st.mode & 0o7777,
        };
      },
      list: (p) => fs.readdir(p),
      read: (p) => fs.readFile(p),
    },
    path,
    label,
  );
}

/** A source on the host itself (`remote_src: true`), read through the host's file view. */
export function hostSource(files: HostFiles, path: string, label: string): Promise<SourceTree> {
  return readTree(
    {
      stat: async (p) => {
        const st = await files.stat(p);
        if (!st) return undefined;
        return { type: st.type === "link" ? "other" : st.type, mode: st.mode };
      },
      list: (p) => files.readdir(p),
      read: async (p) => {
        const data = await files.readFile(p);
        if (!data) throw new ModuleFailure(`Source ${p} not found`);
        return data;
      },
    },
    path,
    label,
  );
}
