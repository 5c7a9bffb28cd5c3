import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { changedTasks, tsible } from "../../helpers/cli.js";
import { composeV1SkipReason, dockerCli, dockerQuiet, TEST_IMAGE } from "../../helpers/docker.js";

/**
 * What an operator sees from `tsible run --check` on a playbook that templates a compose file and
 * brings the stack up: the check run reports exactly the tasks the real run then changes, the
 * compose task included, and leaves the host as it was.
 */
const skip = composeV1SkipReason();

describe.skipIf(skip)(
  `tsible run --check with template + docker_compose${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 300_000 },
  () => {
    const root = mkdtempSync(join(tmpdir(), "tsible-compose-run-"));
    const dir = join(root, "host/opt/ems_system/servers/ems");
    const hostTmp = join(root, "host-tmp");
    const project = `tsible-crun-${process.pid}`;
    mkdirSync(hostTmp);
    writeFileSync(
      join(root, "docker-compose.yml.j2"),
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "{{ sleep }}"]\n` +
        "    network_mode: none\n    stop_grace_period: 1s\n",
    );
    writeFileSync(
      join(root, "site.yml"),
      `- hosts: localhost
  gather_facts: false
  tasks:
    - name: Project folder
      file: { path: "{{ dir }}", state: directory }
    - name: Compose file
      template: { src: docker-compose.yml.j2, dest: "{{ dir }}/docker-compose.yml" }
    - name: Stack up
      docker_compose: { project_src: "{{ dir }}", project_name: "${project}", pull: never, timeout: 1 }
`,
    );
    writeFileSync(join(root, "inventory.ini"), "localhost ansible_connection=local\n");
    const run = (sleep: number, ...extra: string[]) =>
      tsible(
        [
          "run",
          join(root, "site.yml"),
          "-i",
          join(root, "inventory.ini"),
          "-e",
          `dir=${dir}`,
          "-e",
          `sleep=${sleep}`,
          ...extra,
        ],
        { env: { TMPDIR: hostTmp } },
      );
    const containers = () =>
      dockerCli(["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])
        .split("\n")
        .filter(Boolean);

    afterAll(() => {
      const left = containers();
      if (left.length > 0) dockerQuiet(["rm", "-f", ...left]);
      rmSync(root, { recursive: true, force: true });
    });

    test("a fresh host, a changed template, no change: check says what the real run does", async () => {
      const fresh = await run(600, "--check", "-v");
      expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
      expect(changedTasks(fresh.stdout)).toEqual(["Project folder", "Compose file", "Stack up"]);
      expect(fresh.stdout).toContain("check mode: would create web");
      expect(existsSync(join(root, "host"))).toBe(false);
      expect(containers()).toEqual([]);
      expect(readdirSync(hostTmp)).toEqual([]);

      const real = await run(600);
      expect(real.code, real.stdout + real.stderr).toBe(0);
      expect(changedTasks(real.stdout)).toEqual(changedTasks(fresh.stdout));
      const [web] = containers();

      const changed = await run(700, "--check");
      expect(changed.code, changed.stdout + changed.stderr).toBe(0);
      expect(changedTasks(changed.stdout)).toEqual(["Compose file", "Stack up"]);
      expect(containers()).toEqual([web]);
      const recreate = await run(700);
      expect(changedTasks(recreate.stdout)).toEqual(changedTasks(changed.stdout));
      expect(containers()).not.toEqual([web]);

      const same = await run(700, "--check");
      expect(same.code, same.stdout + same.stderr).toBe(0);
      expect(changedTasks(same.stdout)).toEqual([]);
      expect(readdirSync(hostTmp)).toEqual([]);
    });
  },
);
