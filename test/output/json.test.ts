import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tsible } from "../helpers/cli.js";
import { LOCAL_INVENTORY, tempProject } from "./project.js";

const project = tempProject("tsible-json-");
const SECRET = "s3cret-Password-42";

function playbook(base: string): string {
  return `- hosts: web
  gather_facts: false
  tasks:
    - name: data folder
      file:
        path: ${base}/{{ inventory_hostname }}
        state: directory
    - name: show the secret
      debug:
        msg: "token is {{ token }}"
    - name: fails on h2
      command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
      ignore_errors: true
`;
}

async function vaultedToken(dir: string): Promise<string> {
  const res = await tsible(
    ["vault", "encrypt_string", "--vault-password-file", join(dir, "pass"), "--name", "token", SECRET],
    { cwd: dir },
  );
  expect(res.code, res.stderr).toBe(0);
  return res.stdout;
}

function parseLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("--output json", () => {
  test("one versioned event per line on stdout, secrets masked, plan in check mode", async () => {
    const dir = project({ "inv.ini": LOCAL_INVENTORY, pass: "vault-pass\n" });
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "vars.yml"), await vaultedToken(dir));
    writeFileSync(
      join(dir, "pb.yml"),
      playbook(join(dir, "out")).replace("  tasks:", "  vars_files: [vars.yml]\n  tasks:"),
    );
    const res = await tsible(
      ["run", "pb.yml", "-i", "inv.ini", "--vault-password-file", "pass", "--check", "--output", "json"],
      { cwd: dir },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(SECRET);
    const events = parseLines(res.stdout);
    expect(events.every((e) => e.v === 1 && typeof e.time === "string")).toBe(true);
    expect(events.map((e) => e.type)).toEqual([
      "playbook_start",
      "play_start",
      "task_start",
      "host_result",
      "host_result",
      "task_start",
      "host_result",
      "host_result",
      "task_start",
      "host_result",
      "host_result",
      "recap",
      "plan",
      "playbook_end",
    ]);
    const results = events.filter((e) => e.type === "host_result");
    const folder = results.find((e) => e.task === "data folder" && e.host === "h1")!;
    expect(folder).toMatchObject({ status: "changed", changed: true, failed: false });
    expect((folder.result as Record<string, unknown>).path).toBe(join(dir, "out", "h1"));
    const debug = results.find((e) => e.task === "show the secret")!;
    expect((debug.result as Record<string, unknown>).msg).toBe("token is ********");
    const recap = events.find((e) => e.type === "recap")!;
    expect((recap.hosts as Record<string, { changed: number }>).h1?.changed).toBe(1);
    const plan = events.find((e) => e.type === "plan")!;
    expect((plan.hosts as Record<string, unknown[]>).h2).toEqual([
      { task: "data folder", target: `directory ${join(dir, "out", "h2")}` },
    ]);
    expect(events.at(-1)).toMatchObject({ type: "playbook_end", exit_code: 0 });
  });

  test("json=FILE writes the events to a private file and keeps the plain view on stdout", async () => {
    const dir = project({ "inv.ini": LOCAL_INVENTORY, "token.yml": "token: plain\n" });
    mkdirSync(join(dir, "out"));
    writeFileSync(
      join(dir, "pb.yml"),
      playbook(join(dir, "out")).replace("  tasks:", "  vars_files: [token.yml]\n  tasks:"),
    );
    const res = await tsible(["run", "pb.yml", "-i", "inv.ini", "--diff", "--output", "json=events.jsonl"], {
      cwd: dir,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain("PLAY RECAP");
    expect(statSync(join(dir, "events.jsonl")).mode & 0o777).toBe(0o600);
    const events = parseLines(readFileSync(join(dir, "events.jsonl"), "utf8"));
    const failed = events.find(
      (e) => e.type === "host_result" && e.host === "h2" && e.task === "fails on h2",
    )!;
    expect(failed).toMatchObject({ status: "failed", failed: true, ignored: true });
    expect((failed.result as Record<string, unknown>).rc).toBe(1);
    const folder = events.find((e) => e.type === "host_result" && e.task === "data folder")!;
    expect(folder.diff).toEqual([
      expect.objectContaining({ before: expect.anything(), after: expect.anything() }),
    ]);
    expect(events.some((e) => e.type === "plan")).toBe(false);
  });

  test("an unknown --output value is a usage error", async () => {
    const dir = project({ "pb.yml": "- hosts: localhost\n  tasks: []\n" });
    const res = await tsible(["run", "pb.yml", "--output", "xml"], { cwd: dir });
    expect(res.code).toBe(5);
    expect(res.stderr).toContain("unknown --output 'xml'");
  });
});
