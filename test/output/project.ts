import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** A temp folder per test file, removed at the end; files written with `write`. */
export function tempProject(prefix: string) {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
}

/** Two hosts run locally, in group web. */
export const LOCAL_INVENTORY = "[web]\nh1 ansible_connection=local\nh2 ansible_connection=local\n";
