import { afterAll, describe, expect, test } from "vitest";
import { dockerNetwork } from "../../../src/modules/docker_network.js";
import { dockerVolume } from "../../../src/modules/docker_volume.js";
import { dockerCli, dockerQuiet, dockerSkipReason, TEST_IMAGE, uniqueName } from "../../helpers/docker.js";
import { runModule } from "./context.js";

const skip = dockerSkipReason();

describe.skipIf(skip)(
  `docker_network and docker_volume on the real engine${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    const network = uniqueName("tsible-net");
    const volume = uniqueName("tsible-vol");
    const container = uniqueName("tsible-ctr");

    afterAll(() => {
      dockerQuiet(["rm", "-f", container]);
      dockerQuiet(["network", "rm", network]);
      dockerQuiet(["volume", "rm", volume]);
    });

    test("network: check mode predicts, present creates once, info reports, absent removes", async () => {
      const predicted = await runModule(
        dockerNetwork,
        { name: network, labels: { app: "ems" } },
        { check: true, diff: true },
      );
      expect(predicted).toMatchObject({ changed: true, exists: false });
      expect(predicted.diff).toMatchObject({ before: "absent\n", after: "present\n" });
      expect(() => dockerCli(["network", "inspect", network])).toThrow();

      const created = await runModule(dockerNetwork, {
        name: network,
        labels: { app: "ems" },
        internal: true,
      });
      expect(created).toMatchObject({
        changed: true,
        network: { name: network, internal: true, labels: { app: "ems" } },
      });
      expect(dockerCli(["network", "inspect", "-f", "{{.Labels.app}}", network])).toBe("ems");

      const again = await runModule(dockerNetwork, { name: network, labels: { app: "ems" } });
      expect(again.changed).toBe(false);
      // an external network declared by name only is accepted as it is
      expect((await runModule(dockerNetwork, { name: network })).changed).toBe(false);

      const info = await runModule(dockerNetwork, { name: network, state: "info" });
      expect(info).toMatchObject({ changed: false, exists: true, network: { driver: "bridge" } });

      const absent = await runModule(dockerNetwork, { name: network, state: "absent" });
      expect(absent.changed).toBe(true);
      expect((await runModule(dockerNetwork, { name: network, state: "absent" })).changed).toBe(false);
      expect((await runModule(dockerNetwork, { name: network, state: "info" })).exists).toBe(false);
    });

    test("network: differing settings fail without force, and an attached container blocks removal", async () => {
      await runModule(dockerNetwork, { name: network, internal: true });
      const differs = await runModule(dockerNetwork, { name: network, internal: false });
      expect(differs.failed).toBe(true);
      expect(differs.msg).toContain("internal is true, not false");

      dockerCli(["run", "-d", "--name", container, "--network", network, TEST_IMAGE, "sleep", "300"]);
      const inUse = await runModule(dockerNetwork, { name: network, state: "absent" });
      expect(inUse.failed).toBe(true);
      expect(inUse.msg).toContain(container);

      const recreated = await runModule(dockerNetwork, { name: network, internal: false, force: true });
      expect(recreated).toMatchObject({ changed: true, network: { internal: false, containers: [] } });
      dockerQuiet(["rm", "-f", container]);
    });

    test("volume: present is idempotent, labels are checked, data survives, absent removes", async () => {
      const check = await runModule(dockerVolume, { name: volume }, { check: true });
      expect(check.changed).toBe(true);
      expect(() => dockerCli(["volume", "inspect", volume])).toThrow();

      const created = await runModule(dockerVolume, { name: volume, labels: { backup: "daily" } });
      expect(created).toMatchObject({ changed: true, volume: { name: volume, driver: "local" } });
      dockerCli([
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        `${volume}:/data`,
        TEST_IMAGE,
        "sh",
        "-c",
        "echo kept > /data/f",
      ]);

      expect((await runModule(dockerVolume, { name: volume, labels: { backup: "daily" } })).changed).toBe(
        false,
      );
      const differs = await runModule(dockerVolume, { name: volume, labels: { backup: "weekly" } });
      expect(differs).toMatchObject({ failed: true, changed: false });
      expect(
        dockerCli([
          "run",
          "--rm",
          "--network",
          "none",
          "-v",
          `${volume}:/data`,
          TEST_IMAGE,
          "cat",
          "/data/f",
        ]),
      ).toBe("kept");

      const info = await runModule(dockerVolume, { name: volume, state: "info" });
      expect(info).toMatchObject({ exists: true, volume: { labels: { backup: "daily" } } });
      expect(
        (await runModule(dockerVolume, { name: volume, state: "absent" }, { check: true })).changed,
      ).toBe(true);
      expect(dockerCli(["volume", "inspect", "-f", "{{.Name}}", volume])).toBe(volume);
      expect((await runModule(dockerVolume, { name: volume, state: "absent" })).changed).toBe(true);
      expect((await runModule(dockerVolume, { name: volume, state: "info" })).exists).toBe(false);
    });
  },
);
