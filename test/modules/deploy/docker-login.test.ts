import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dockerLogin } from "../../../src/modules/docker_login.js";
import { dockerSkipReason } from "../../helpers/docker.js";
import { registrySkipReason, startRegistry, type TestRegistry } from "../../helpers/registry.js";
import { runModule } from "./context.js";

const skip = dockerSkipReason() ?? registrySkipReason();
const USER = "deployer";
const PASSWORD = "s3cret-Pa55 with spaces";

describe.skipIf(skip)(
  `docker_login against docker-registry with htpasswd${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let registry: TestRegistry;
    const dir = mkdtempSync(join(tmpdir(), "tsible-docker-config-"));
    const configPath = join(dir, "config.json");
    const auths = () =>
      JSON.parse(readFileSync(configPath, "utf8")).auths as Record<string, { auth: string }>;

    beforeAll(async () => {
      registry = await startRegistry(USER, PASSWORD);
    });
    afterAll(async () => {
      await registry?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("logs in once, then is idempotent from the config; the password stays out of argv and results", async () => {
      const args = {
        registry: registry.address,
        username: USER,
        password: PASSWORD,
        config_path: configPath,
      };
      const check = await runModule(dockerLogin, args, { check: true });
      expect(check.changed).toBe(true);
      expect(() => readFileSync(configPath)).toThrow();

      const first = await runModule(dockerLogin, args);
      expect(first).toMatchObject({ changed: true, registry: registry.address, username: USER });
      expect(first.failed).toBeUndefined();
      expect(Buffer.from(auths()[registry.address]!.auth, "base64").toString()).toBe(`${USER}:${PASSWORD}`);
      expect(first.log.secrets).toContain(PASSWORD);
      expect(first.log.commands.join("\n")).not.toContain(PASSWORD);
      const { log: _log, ...result } = first;
      expect(JSON.stringify(result)).not.toContain("s3cret");

      const again = await runModule(dockerLogin, { ...args, registry: `http://${registry.address}/v2/` });
      expect(again).toMatchObject({ changed: false, msg: "already logged in" });
      const verified = await runModule(dockerLogin, { ...args, reauthorize: true });
      expect(verified).toMatchObject({ changed: false, msg: "Login Succeeded" });
    });

    test("a wrong password fails with the registry's answer and leaves the stored login alone", async () => {
      const wrong = await runModule(dockerLogin, {
        registry: registry.address,
        username: USER,
        password: "not-it",
        config_path: configPath,
      });
      expect(wrong.failed).toBe(true);
      expect(wrong.msg).toContain("401");
      const { log: _log, ...result } = wrong;
      expect(JSON.stringify(result)).not.toContain("not-it");
      expect(Buffer.from(auths()[registry.address]!.auth, "base64").toString()).toBe(`${USER}:${PASSWORD}`);
    });

    test("absent logs out once; a credential store in the config is reported", async () => {
      const args = { registry: registry.address, state: "absent" as const, config_path: configPath };
      expect((await runModule(dockerLogin, args, { check: true })).changed).toBe(true);
      expect(auths()[registry.address]).toBeDefined();
      expect((await runModule(dockerLogin, args)).changed).toBe(true);
      expect(auths()[registry.address]).toBeUndefined();
      expect((await runModule(dockerLogin, args)).changed).toBe(false);

      const config = JSON.parse(readFileSync(configPath, "utf8"));
      writeFileSync(
        configPath,
        JSON.stringify({ ...config, credHelpers: { [registry.address]: "tsible-none" } }),
      );
      const helper = await runModule(dockerLogin, args);
      expect(helper).toMatchObject({ changed: false, credential_helper: "tsible-none" });
    });
  },
);
