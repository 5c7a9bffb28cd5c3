import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  parseComposeVersion,
  projectNameFromConfigJson,
  v1ProjectName,
} from "../../../src/modules/docker/compose-cli.js";
import { parseComposeV1Events, parseComposeV2Events } from "../../../src/modules/docker/compose-events.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const sample = (path: string) => readFileSync(join(fixtures, path), "utf8");

const C = "ansible-docker-test-01234567-start-stop-ansible-docker-test-01234567-container-1";
const N = "ansible-docker-test-01234567-start-stop_default";
const container = (status: string) => ({ kind: "container", name: C, status });

describe("Compose v2 progress output (recorded samples)", () => {
  test.each([
    [
      "2.18.1-up-with-pull.txt",
      [
        { kind: "service", name: "ansible-docker-test-01234567-container", status: "Pulling" },
        { kind: "service", name: "ansible-docker-test-01234567-container", status: "Pulled" },
        { kind: "network", name: N, status: "Creating" },
        { kind: "network", name: N, status: "Created" },
        container("Creating"),
        container("Created"),
        container("Starting"),
        container("Started"),
      ],
    ],
    [
      "2.23.3-up-recreate.txt",
      [container("Recreate"), container("Recreated"), container("Starting"), container("Started")],
    ],
    ["2.23.3-up-idempotent.txt", [container("Running")]],
    ["2.23.3-stop.txt", [container("Running"), container("Stopping"), container("Stopped")]],
    ["2.23.3-restart.txt", [container("Restarting"), container("Started")]],
    [
      "2.21.0-down.txt",
      [
        container("Stopping"),
        container("Stopped"),
        container("Removing"),
        container("Removed"),
        { kind: "network", name: N, status: "Removing" },
        { kind: "network", name: N, status: "Removed" },
      ],
    ],
  ])("%s", (file, expected) => {
    expect(parseComposeV2Events(sample(`compose-v2/${file}`))).toEqual(expected);
  });

  test("dry-run prefixes are dropped and a sentence becomes a warning with its message", () => {
    const events = parseComposeV2Events(sample("compose-v2/2.18.1-down-dry-run.txt"));
    expect(events.slice(0, 2)).toEqual([container("Stopping"), container("Stopped")]);
    expect(events.at(-1)).toEqual({
      kind: "network",
      name: N,
      status: "Warning",
      message: "Resource is still in use",
    });
  });

  test("a pull error is an Error event; the daemon's sentence after it is not an event", () => {
    expect(parseComposeV2Events(sample("compose-v2/2.18.1-up-pull-error.txt"))).toEqual([
      { kind: "service", name: "ansible-docker-test-01234567-cont", status: "Pulling" },
      { kind: "service", name: "ansible-docker-test-01234567-cont", status: "Error" },
    ]);
  });

  test("quoted volume names lose their quotes", () => {
    expect(parseComposeV2Events(' Volume "app_data"  Creating\n Volume "app_data"  Created\n')).toEqual([
      { kind: "volume", name: "app_data", status: "Creating" },
      { kind: "volume", name: "app_data", status: "Created" },
    ]);
  });
});

describe("Compose v1 progress output (recorded with 1.29.2)", () => {
  test.each([
    ["1.29.2-up.txt", [{ kind: "container", name: "ctest_web_1", status: "Created" }]],
    ["1.29.2-up-recreate.txt", [{ kind: "container", name: "ctest_web_1", status: "Recreated" }]],
    ["1.29.2-up-idempotent.txt", [{ kind: "container", name: "ctest_web_1", status: "Running" }]],
    [
      "1.29.2-down-volumes.txt",
      [
        { kind: "container", name: "ctest_web_1", status: "Removed" },
        { kind: "volume", name: "ctest_data", status: "Removed" },
      ],
    ],
  ])("%s", (file, expected) => {
    expect(parseComposeV1Events(sample(`compose-v1/${file}`))).toEqual(expected);
  });

  test("resources and errors", () => {
    const text = 'Creating network "app_default" with the default driver\r\nCreating app_web_1 ... error\r\n';
    expect(parseComposeV1Events(text)).toEqual([
      { kind: "network", name: "app_default", status: "Created" },
      { kind: "container", name: "app_web_1", status: "Error" },
    ]);
  });
});

describe("compose version and project name", () => {
  test.each([
    ["2.23.3\n", { version: "2.23.3", major: 2 }],
    ["v2.29.7\n", { version: "2.29.7", major: 2 }],
    ["1.29.2\n", { version: "1.29.2", major: 1 }],
    ["Docker Compose version v2.24.5-desktop.1\n", { version: "2.24.5-desktop.1", major: 2 }],
    ["unknown flag: --short\n", undefined],
  ])("%j", (text, expected) => {
    expect(parseComposeVersion(text)).toEqual(expected);
  });

  test("v1 derives the name from the folder; v2's config JSON carries it", () => {
    expect(v1ProjectName("/srv/My.App_2/")).toBe("myapp_2");
    expect(projectNameFromConfigJson('{"name":"ems","services":{}}')).toBe("ems");
    expect(projectNameFromConfigJson("not json")).toBeUndefined();
  });
});
