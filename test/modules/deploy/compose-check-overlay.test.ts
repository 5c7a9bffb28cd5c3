import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { CheckOverlay } from "../../../src/connection/check-overlay.js";
import { dockerCompose } from "../../../src/modules/docker_compose.js";
import { fileModule } from "../../../src/modules/file.js";
import { templateModule } from "../../../src/modules/template.js";
import type { ModuleResult } from "../../../src/modules/types.js";
import { composeV1SkipReason, dockerCli, dockerQuiet, TEST_IMAGE } from "../../helpers/docker.js";
import { makeModuleContext, runModule } from "../../helpers/module-context.js";

/**
 * docker_compose in check mode after tasks that would write the project's files: the overlay holds
 * them, the host does not, and the prediction must still be what the real run then does. Each "play"
 * is file + template(s) + docker_compose on one overlay, as the engine runs a role's tasks.
 */
const skip = composeV1SkipReason();

const root = mkdtempSync(join(tmpdir(), "tsible-compose-check-"));
const templates = join(root, "controller");
// the staged copies go here (the host shell's TMPDIR), so the test sees whether any is left behind
const hostTmp = join(root, "host-tmp");
mkdirSync(join(templates, "templates"), { recursive: true });
mkdirSync(hostTmp);
process.env.TMPDIR = hostTmp;

/** Like the EMS app stack: absolute paths only, `web` reads .env (env_file), `worker` is all template. */
writeFileSync(
  join(templates, "templates", "direct.yml"),
  `# {{ comment }}
version: "3.7"
services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "600"]
    network_mode: none
    stop_grace_period: 1s
    env_file: [.env]
  worker:
    image: ${TEST_IMAGE}
    command: ["sleep", "{{ worker_sleep }}"]
    network_mode: none
    stop_grace_period: 1s
`,
);
writeFileSync(join(templates, "templates", "env"), "APP_MODE={{ app_mode }}\n");
/**
 * Bind mounts relative to the project folder (and beside it): the config names the folder, so its
 * hash depends on where the folder is. APP_MODE comes from an env file outside the project.
 */
writeFileSync(
  join(templates, "templates", "relative.yml"),
  `# {{ comment }}
version: "3.7"
services:
  web:
    image: ${TEST_IMAGE}
    command: ["sleep", "{{ worker_sleep }}"]
    network_mode: none
    stop_grace_period: 1s
    environment:
      - "MODE=\${APP_MODE:-unset}"
    volumes:
      - "./site:/site:ro"
      - "../shared:/shared:ro"
`,
);

interface Vars {
  comment: string;
  worker_sleep: number;
  app_mode: string;
}

const defaults: Vars = { comment: "v1", worker_sleep: 600, app_mode: "blue" };

interface PlayOptions {
  check: boolean;
  vars?: Partial<Vars>;
  /** relative.yml: its ./site folder, and its env file at this path outside the project (env_files). */
  relative?: { envFile: string };
  extra?: (ctx: Ctx) => Promise<void>;
}

/** One play on one host: the project folder, its compose file (and env file), then the stack up. */
async function play(
  dir: string,
  project: string,
  opts: PlayOptions,
): Promise<{ template: ModuleResult; compose: ModuleResult }> {
  const ctx = makeModuleContext({
    check: opts.check,
    overlay: new CheckOverlay(),
    localDir: templates,
    vars: { ...defaults, ...opts.vars },
  });
  await runModule(fileModule, { path: dir, state: "directory" }, ctx);
  const template = await runModule(
    templateModule,
    { src: opts.relative ? "relative.yml" : "direct.yml", dest: `${dir}/docker-compose.yml` },
    ctx,
  );
  const envFile = opts.relative?.envFile ?? `${dir}/.env`;
  await runModule(fileModule, { path: dirname(envFile), state: "directory" }, ctx);
  await runModule(templateModule, { src: "env", dest: envFile, mode: "0600" }, ctx);
  if (opts.relative) await runModule(fileModule, { path: `${dir}/site`, state: "directory" }, ctx);
  await opts.extra?.(ctx);
  const compose = await runModule(
    dockerCompose,
    {
      project_src: dir,
      project_name: project,
      pull: "never",
      timeout: 1,
      ...(opts.relative ? { env_files: [envFile] } : {}),
    },
    ctx,
  );
  return { template, compose };
}
type Ctx = ReturnType<typeof makeModuleContext>;

function labelled(kind: "ps" | "volume" | "network", project: string): string[] {
  const filter = ["--filter", `label=com.docker.compose.project=${project}`];
  const args = kind === "ps" ? ["ps", "-aq", "--no-trunc", ...filter] : [kind, "ls", "-q", ...filter];
  return dockerCli(args).split("\n").filter(Boolean);
}

function containerIds(project: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of labelled("ps", project)) {
    const service = dockerCli(["inspect", "-f", '{{index .Config.Labels "com.docker.compose.service"}}', id]);
    out[service] = id;
  }
  return out;
}

function removeProject(project: string): void {
  const ids = labelled("ps", project);
  if (ids.length > 0) dockerQuiet(["rm", "-f", ...ids]);
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(skip)(
  `docker_compose check mode over files earlier tasks would write${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 300_000 },
  () => {
    const project = `tsible-ccheck-${process.pid}`;
    const dir = join(root, "host/opt/ems_system/servers/ems");
    afterAll(() => removeProject(project));

    test("a fresh host: check predicts the stack's creation and leaves the host untouched; the real run creates it", async () => {
      const check = await play(dir, project, { check: true });
      expect(check.template.changed).toBe(true);
      expect(check.compose).toMatchObject({
        changed: true,
        msg: "check mode: would create web, worker",
        planned: [
          { service: "web", action: "create" },
          { service: "worker", action: "create" },
        ],
      });
      expect(check.compose.failed).toBeUndefined();
      expect(existsSync(join(root, "host"))).toBe(false);
      expect(labelled("ps", project)).toEqual([]);
      expect(labelled("volume", project)).toEqual([]);
      expect(labelled("network", project)).toEqual([]);
      expect(readdirSync(hostTmp)).toEqual([]);

      const real = await play(dir, project, { check: false });
      expect(real.compose.changed).toBe(true);
      expect(real.compose.changes).toEqual([`${project}_web_1 created`, `${project}_worker_1 created`]);
      expect(dockerCli(["exec", containerIds(project).web!, "env"])).toContain("APP_MODE=blue");
    });

    test("nothing would change: ok, also when check mode writes other files into the project folder", async () => {
      const unchanged = await play(dir, project, { check: true });
      expect(unchanged.template.changed).toBe(false);
      expect(unchanged.compose).toMatchObject({
        changed: false,
        planned: [],
        msg: "check mode: nothing to do",
      });

      // a new file compose does not read, and a mode change of .env: compose evaluates the staged copy
      const unrelated = await play(dir, project, {
        check: true,
        extra: async (ctx) => {
          await runModule(fileModule, { path: `${dir}/.env`, mode: "0640" }, ctx);
          await ctx.files.writeFile(`${dir}/tls.yml`, Buffer.from("tls: {}\n"));
        },
      });
      expect(unrelated.compose).toMatchObject({ changed: false, planned: [] });
      expect(existsSync(join(dir, "tls.yml"))).toBe(false);
      expect(readdirSync(hostTmp)).toEqual([]);
    });

    test("a compose error in check mode names the host's paths, as the real run's would", async () => {
      const broken = join(root, "host/opt/ems_system/servers/broken");
      const check = await play(broken, `${project}-broken`, {
        check: true,
        extra: (ctx) => ctx.files.remove(`${broken}/.env`),
      });
      expect(check.compose).toMatchObject({ failed: true, msg: expect.stringContaining(`${broken}/.env`) });
      expect(JSON.stringify(check.compose)).not.toContain(hostTmp);
      expect(existsSync(broken)).toBe(false);
      expect(readdirSync(hostTmp)).toEqual([]);
    });

    test("a changed template: check predicts exactly the services the real run recreates", async () => {
      const before = containerIds(project);
      const check = await play(dir, project, { check: true, vars: { worker_sleep: 700 } });
      expect(check.template.changed).toBe(true);
      expect(check.compose).toMatchObject({
        changed: true,
        msg: `check mode: would recreate ${project}_worker_1`,
        planned: [{ service: "worker", container: `${project}_worker_1`, action: "recreate" }],
      });
      expect(readFileSync(join(dir, "docker-compose.yml"), "utf8")).toContain('"600"');
      expect(containerIds(project)).toEqual(before);
      expect(readdirSync(hostTmp)).toEqual([]);

      const real = await play(dir, project, { check: false, vars: { worker_sleep: 700 } });
      expect(real.compose.changed).toBe(true);
      const after = containerIds(project);
      expect(after.web).toBe(before.web);
      expect(after.worker).not.toBe(before.worker);
    });

    test("a changed .env (env_file): check predicts the recreate of the service reading it", async () => {
      const vars = { worker_sleep: 700, app_mode: "green" };
      const before = containerIds(project);
      const check = await play(dir, project, { check: true, vars });
      expect(check.compose).toMatchObject({
        changed: true,
        planned: [{ service: "web", container: `${project}_web_1`, action: "recreate" }],
      });
      expect(readFileSync(join(dir, ".env"), "utf8")).toBe("APP_MODE=blue\n");

      const real = await play(dir, project, { check: false, vars });
      const after = containerIds(project);
      expect(after.web).not.toBe(before.web);
      expect(after.worker).toBe(before.worker);
      expect(dockerCli(["exec", after.web!, "env"])).toContain("APP_MODE=green");
      expect((await play(dir, project, { check: true, vars })).compose.changed).toBe(false);
      expect(real.compose.changed).toBe(true);
    });
  },
);

describe.skipIf(skip)(
  `docker_compose check mode with paths relative to the project folder${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 300_000 },
  () => {
    const project = `tsible-ccheck-rel-${process.pid}`;
    const dir = join(root, "host/srv/stacks/relative");
    const relative = { envFile: join(root, "host/etc/relative/stack.env") };
    afterAll(() => removeProject(project));

    test("hashes are computed as in the project folder itself: a comment is no change, a setting is", async () => {
      const fresh = await play(dir, project, { check: true, relative });
      expect(fresh.compose).toMatchObject({ changed: true, planned: [{ service: "web", action: "create" }] });
      expect(existsSync(join(root, "host/srv"))).toBe(false);
      expect(existsSync(join(root, "host/etc"))).toBe(false);
      expect((await play(dir, project, { check: false, relative })).compose.changed).toBe(true);
      const web = containerIds(project).web;
      expect(dockerCli(["exec", web!, "env"])).toContain("MODE=blue");

      const comment = { comment: "v2" };
      const commentOnly = await play(dir, project, { check: true, relative, vars: comment });
      expect(commentOnly.template.changed).toBe(true);
      expect(commentOnly.compose).toMatchObject({ changed: false, planned: [] });
      expect((await play(dir, project, { check: false, relative, vars: comment })).compose.changed).toBe(
        false,
      );
      expect(containerIds(project).web).toBe(web);

      const setting = { comment: "v2", worker_sleep: 900 };
      const check = await play(dir, project, { check: true, relative, vars: setting });
      expect(check.compose).toMatchObject({
        changed: true,
        planned: [{ service: "web", container: `${project}_web_1`, action: "recreate" }],
      });
      expect((await play(dir, project, { check: false, relative, vars: setting })).compose.changed).toBe(
        true,
      );
      expect(containerIds(project).web).not.toBe(web);
      expect(readdirSync(hostTmp)).toEqual([]);
    });

    test("an env file outside the project folder is read as the earlier tasks would leave it", async () => {
      const vars = { comment: "v2", worker_sleep: 900, app_mode: "green" };
      const web = containerIds(project).web;
      const check = await play(dir, project, { check: true, relative, vars });
      expect(check.compose).toMatchObject({
        changed: true,
        msg: `check mode: would recreate ${project}_web_1`,
      });
      expect(readFileSync(relative.envFile, "utf8")).toBe("APP_MODE=blue\n");
      expect(containerIds(project).web).toBe(web);

      expect((await play(dir, project, { check: false, relative, vars })).compose.changed).toBe(true);
      expect(dockerCli(["exec", containerIds(project).web!, "env"])).toContain("MODE=green");
      expect((await play(dir, project, { check: true, relative, vars })).compose).toMatchObject({
        changed: false,
      });
      expect(readdirSync(hostTmp)).toEqual([]);
    });
  },
);

describe.skipIf(skip)(
  `docker_compose check mode beside a crowded folder${skip ? ` (skipped: ${skip})` : ""}`,
  { timeout: 300_000 },
  () => {
    test("thousands of entries beside the project's folders: the staged view is still made", async () => {
      // each entry beside a folder above the project is linked in the staged view: 3000 names of 60
      // characters make a staging script of several hundred KiB, more than one argument may hold
      const crowded = join(root, "crowded");
      mkdirSync(crowded);
      for (let i = 0; i < 3000; i++)
        writeFileSync(join(crowded, `${String(i).padStart(6, "0")}${"x".repeat(54)}`), "");
      const dir = join(crowded, "opt/app");
      const check = await play(dir, `tsible-crowded-${process.pid}`, { check: true });
      expect(check.compose).toMatchObject({ changed: true, msg: "check mode: would create web, worker" });
      expect(existsSync(join(crowded, "opt"))).toBe(false);
      expect(readdirSync(hostTmp)).toEqual([]);
    });
  },
);
