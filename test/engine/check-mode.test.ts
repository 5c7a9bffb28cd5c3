import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { changedTasks, ROOT, tsible } from "../helpers/cli.js";

/**
 * --check is a faithful preview: on a fresh host it touches nothing, and the tasks it reports as
 * changed are exactly those the real run then changes (recorded from ansible-core in
 * test/fixtures/compat/expected). Later tasks see what earlier ones would have written.
 */
const FIXTURES = join(ROOT, "test/fixtures/compat");
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("check mode predicts the real run", () => {
  // blocks.yml is left out: its rescue depends on a command's failure, which check mode cannot know
  for (const playbook of ["files", "handlers", "loops", "roles"]) {
    test(`${playbook}.yml`, async () => {
      const base = mkdtempSync(join(tmpdir(), "tsible-check-"));
      temps.push(base);
      const args = [
        "run",
        join(FIXTURES, `${playbook}.yml`),
        "-i",
        join(FIXTURES, "inventory.ini"),
        "-e",
        `base=${base}`,
      ];
      const check = await tsible([...args, "--check"]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(readdirSync(base)).toEqual([]);
      const expected = JSON.parse(readFileSync(join(FIXTURES, "expected", `${playbook}.json`), "utf8"));
      expect(changedTasks(check.stdout)).toEqual(expected[0].changed);
      const real = await tsible(args);
      expect(changedTasks(real.stdout)).toEqual(changedTasks(check.stdout));
      const again = await tsible([...args, "--check"]);
      expect(changedTasks(again.stdout)).toEqual(expected[1].changed);
    });
  }
});
