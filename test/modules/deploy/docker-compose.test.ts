import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { dockerCompose } from "../../../src/modules/docker_compose.js";
import { composeV1SkipReason, dockerCli, dockerQuiet, TEST_IMAGE } from "../../helpers/docker.js";
import { runModule } from "./context.js";

const skip = composeV1SkipReason();

/** A compose file for the busybox image; dockerd runs with --bridge=none, so containers use network_mode none. */
function stack(opts: { sleep: number; worker?: boolean }): string {
  const worker = opts.worker
    ? `  worker:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "600"]\n    network_mode: none\n`
    : "";
  return `version: "3.7"
services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "${opts.sleep}"]
    network_mode: none
    stop_grace_period: 1s
    volumes:
      - data:/data
${worker}volumes:
  data:
`;
}

// docker-compose v1 takes seconds per call (a Python start-up), more on a loaded machine
describe.skipIf(skip)(
  `docker_compose on the real engine${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 300_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "tsible-compose-"));
    const project = `tsible-compose-${process.pid}`;
    const volume = `${project}_data`;
    const base = { project_src: dir, project_name: project, pull: "never" as const, timeout: 1 };
    const write = (opts: { sleep: number; worker?: boolean }) =>
      writeFileSync(join(dir, "docker-compose.yml"), stack(opts));
    const ids = () =>
      dockerCli(["ps", "-aq", "--no-trunc", "--filter", `label=com.docker.compose.project=${project}`]);

    afterAll(() => {
      const left = ids().split("\n").filter(Boolean);
      if (left.length > 0) dockerQuiet(["rm", "-f", ...left]);
      dockerQuiet(["volume", "rm", volume]);
      rmSync(dir, { recursive: true, force: true });
    });

    test("up, idempotent re-up, change -> recreate (check mode predicts each), volume data kept", async () => {
      write({ sleep: 600, worker: true });
      const predicted = await runModule(dockerCompose, base, { check: true });
      expect(predicted.changed).toBe(true);
      expect(predicted.planned).toEqual([
        { service: "web", action: "create" },
        { service: "worker", action: "create" },
      ]);
      expect(ids()).toBe("");

      const up = await runModule(dockerCompose, base);
      expect(up.changed).toBe(true);
      expect(up.compose_version).toMatch(/^1\./);
      expect(up.containers).toEqual([
        expect.objectContaining({ service: "web", state: "running", image: TEST_IMAGE }),
        expect.objectContaining({ service: "worker", state: "running", image: TEST_IMAGE }),
      ]);
      expect(up.actions).toEqual(
        expect.arrayContaining([{ kind: "container", name: `${project}_web_1`, status: "Created" }]),
      );
      const webId = (up.containers as { id: string }[])[0]!.id;
      dockerCli(["exec", webId, "sh", "-c", "echo precious > /data/file"]);

      const again = await runModule(dockerCompose, base);
      expect(again.changed).toBe(false);
      expect(again.changes).toEqual([]);
      expect((await runModule(dockerCompose, base, { check: true })).changed).toBe(false);

      write({ sleep: 700, worker: true });
      const checkChange = await runModule(dockerCompose, base, { check: true, diff: true });
      expect(checkChange.changed).toBe(true);
      expect(checkChange.planned).toEqual([
        { service: "web", container: `${project}_web_1`, action: "recreate" },
      ]);
      expect(checkChange.diff).toMatchObject({ after: `${project}_web_1: recreate\n` });
      expect(ids()).toContain(webId);

      const recreated = await runModule(dockerCompose, base);
      expect(recreated.changed).toBe(true);
      const newWeb = (recreated.containers as { id: string; service: string }[]).find(
        (c) => c.service === "web",
      )!;
      expect(newWeb.id).not.toBe(webId);
      expect(recreated.actions).toEqual(
        expect.arrayContaining([expect.objectContaining({ status: "Recreated" })]),
      );
      expect(dockerCli(["exec", newWeb.id, "cat", "/data/file"])).toBe("precious");
    });

    test("orphans stay unless remove_orphans; a service subset is acted on alone", async () => {
      write({ sleep: 700 });
      const kept = await runModule(dockerCompose, base);
      expect(kept.changed).toBe(false);
      expect((kept.containers as unknown[]).length).toBe(2);

      const orphansGone = await runModule(dockerCompose, { ...base, remove_orphans: true });
      expect(orphansGone.changed).toBe(true);
      expect(orphansGone.changes).toEqual([expect.stringMatching(/worker_1 removed$/)]);

      const unknown = await runModule(dockerCompose, { ...base, services: ["nope"] });
      expect(unknown).toMatchObject({ failed: true, msg: expect.stringContaining("unknown services: nope") });
    });

    test("stopped, started again, restarted", async () => {
      const stopped = await runModule(dockerCompose, { ...base, state: "stopped" });
      expect(stopped.changed).toBe(true);
      expect(stopped.containers).toEqual([expect.objectContaining({ service: "web", state: "exited" })]);
      expect((await runModule(dockerCompose, { ...base, state: "stopped" })).changed).toBe(false);

      const checkStart = await runModule(dockerCompose, base, { check: true });
      expect(checkStart.planned).toEqual([
        { service: "web", container: `${project}_web_1`, action: "start" },
      ]);
      const started = await runModule(dockerCompose, { ...base, wait: true, wait_timeout: 20 });
      expect(started.changed).toBe(true);
      expect(started.containers).toEqual([expect.objectContaining({ state: "running" })]);

      const restarted = await runModule(dockerCompose, { ...base, state: "restarted" });
      expect(restarted.changed).toBe(true);
      expect(restarted.changes).toEqual([expect.stringMatching(/web_1 restarted$/)]);
    });

    test("down keeps the named volume; remove_volumes removes it", async () => {
      const checkDown = await runModule(dockerCompose, { ...base, state: "absent" }, { check: true });
      expect(checkDown).toMatchObject({ changed: true });
      expect(ids()).not.toBe("");

      const down = await runModule(dockerCompose, { ...base, state: "absent" });
      expect(down.changed).toBe(true);
      expect(down.containers).toEqual([]);
      expect(ids()).toBe("");
      expect(dockerCli(["volume", "inspect", "-f", "{{.Name}}", volume])).toBe(volume);
      expect((await runModule(dockerCompose, { ...base, state: "absent" })).changed).toBe(false);

      // with no container left, remove_volumes alone is a change: the volume goes
      const wipe = await runModule(dockerCompose, { ...base, state: "absent", remove_volumes: true });
      expect(wipe.changed).toBe(true);
      expect(wipe.changes).toEqual([`volume ${volume} removed`]);
      expect(() => dockerCli(["volume", "inspect", volume])).toThrow();
    });

    test("without project_name the folder names the project, as compose does", async () => {
      const named = mkdtempSync(join(tmpdir(), "Tsible.Derived-"));
      writeFileSync(join(named, "compose.yml"), stack({ sleep: 300 }).replace("data:/data", "/data"));
      const expected = named
        .split("/")
        .pop()!
        .toLowerCase()
        .replace(/[^-_a-z0-9]/g, "");
      try {
        const up = await runModule(dockerCompose, { project_src: named, files: ["compose.yml"], timeout: 1 });
        expect(up).toMatchObject({ changed: true, project_name: expected });
        const down = await runModule(dockerCompose, {
          project_src: named,
          files: ["compose.yml"],
          state: "absent",
          remove_volumes: true,
          timeout: 1,
        });
        expect(down.changed).toBe(true);
      } finally {
        rmSync(named, { recursive: true, force: true });
      }
    });
  },
);
