import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { changedTasks, ROOT, recapLines, runProcess, tsible } from "../helpers/cli.js";
import { snapshotTree, type TreeEntry } from "../helpers/tree.js";

/**
 * Simple Ansible playbooks must run unchanged under tsible and leave the same files, modes, links
 * and recap counts as ansible-playbook, on the first and on the second run. The expected results
 * were recorded from Debian's ansible-core 2.14 (RECORD_COMPAT=1 re-records them);
 * COMPARE_ANSIBLE=1 also runs ansible-playbook live, side by side.
 */
const FIXTURES = join(ROOT, "test/fixtures/compat");
const INVENTORY = join(FIXTURES, "inventory.ini");
const PLAYBOOKS = ["files", "handlers", "blocks", "loops", "roles"];
// Running ansible-playbook live takes minutes here: opt in with COMPARE_ANSIBLE=1.
const compareLive = Boolean(process.env.COMPARE_ANSIBLE) && existsSync("/usr/bin/ansible-playbook");
const temps: string[] = [];

interface RunRecord {
  recap: string[];
  changed: string[];
  tree: Record<string, TreeEntry>;
}

function tempBase(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsible-compat-"));
  temps.push(dir);
  return dir;
}

afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

async function twoRuns(tool: "tsible" | "ansible", playbook: string): Promise<RunRecord[]> {
  const base = tempBase();
  const args = [join(FIXTURES, `${playbook}.yml`), "-i", INVENTORY, "-e", `base=${base}`];
  const records: RunRecord[] = [];
  for (let i = 0; i < 2; i++) {
    const res =
      tool === "tsible"
        ? await tsible(["run", ...args])
        : await runProcess("ansible-playbook", args, { env: { ANSIBLE_RETRY_FILES_ENABLED: "0" } });
    expect(res.code, `${tool} ${playbook} run ${i + 1}:\n${res.stdout}\n${res.stderr}`).toBe(0);
    records.push({
      recap: recapLines(res.stdout),
      changed: changedTasks(res.stdout),
      tree: snapshotTree(base),
    });
  }
  return records;
}

describe("Ansible playbooks run unchanged", () => {
  for (const playbook of PLAYBOOKS) {
    test(`${playbook}.yml: same files and recap as ansible-playbook, first and second run`, {
      timeout: 300_000,
    }, async () => {
      const golden = join(FIXTURES, "expected", `${playbook}.json`);
      if (process.env.RECORD_COMPAT) {
        const recorded = await twoRuns("ansible", playbook);
        writeFileSync(golden, `${JSON.stringify(recorded, null, 2)}\n`);
      }
      const expected = JSON.parse(readFileSync(golden, "utf8")) as RunRecord[];
      const actual = await twoRuns("tsible", playbook);
      expect(actual).toEqual(expected);
      if (compareLive && !process.env.RECORD_COMPAT) {
        expect(await twoRuns("ansible", playbook)).toEqual(expected);
      }
    });
  }
});
