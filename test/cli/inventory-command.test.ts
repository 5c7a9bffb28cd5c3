import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runProcess, tsible } from "../helpers/cli.js";

const hasAnsible = spawnSync("ansible-inventory", ["--version"]).status === 0;
if (!hasAnsible && process.env.CI)
  throw new Error("ansible-inventory is needed (apt-get install ansible-core)");

const dir = mkdtempSync(join(tmpdir(), "tsible-inv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, "hosts.yml"),
  `all:
  vars: { region: eu }
  children:
    web:
      hosts:
        w1: { ansible_host: 127.0.0.2, port: 8080 }
        w2:
    db:
      hosts:
        d1:
      children:
        replicas:
          hosts:
            r1: { role: replica }
`,
);

describe("tsible inventory", () => {
  test("--graph draws the group tree", async () => {
    const res = await tsible(["inventory", "-i", "hosts.yml", "--graph"], { cwd: dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      "@all:\n  |--@ungrouped:\n  |--@web:\n  |  |--w1\n  |  |--w2\n  |--@db:\n  |  |--@replicas:\n  |  |  |--r1\n  |  |--d1\n",
    );
  });

  test.skipIf(!hasAnsible).each(["--list", "--graph", "--graph db", "--host w1", "--host r1"])(
    "%s prints what ansible-inventory prints",
    async (options) => {
      const args = options.split(" ");
      const ours = await tsible(["inventory", "-i", "hosts.yml", ...args], { cwd: dir });
      const theirs = await runProcess("ansible-inventory", ["-i", "hosts.yml", ...args], { cwd: dir });
      expect(ours.code).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
    },
  );

  test("an unknown host or no action is a usage error", async () => {
    const host = await tsible(["inventory", "-i", "hosts.yml", "--host", "nope"], { cwd: dir });
    expect(host.code).toBe(5);
    expect(host.stderr).toContain("'nope'");
    const none = await tsible(["inventory", "-i", "hosts.yml"], { cwd: dir });
    expect(none.code).toBe(5);
    expect(none.stderr).toContain("--list, --graph or --host");
  });
});
