import { describe, expect, test } from "vitest";
import { describePlan, type PlanInput, planCompose } from "../../../src/modules/docker/compose-plan.js";
import { containerChanges, type ProjectContainer } from "../../../src/modules/docker/containers.js";

const c = (
  name: string,
  service: string,
  state: string,
  hash: string,
  startedAt = "t1",
): ProjectContainer => ({
  id: `id-${name}`,
  name,
  service,
  state,
  health: undefined,
  image: "img",
  configHash: hash,
  startedAt,
});

const base: PlanInput = {
  state: "present",
  services: ["web", "db"],
  selected: [],
  hashes: new Map([
    ["web", "h-web"],
    ["db", "h-db"],
  ]),
  containers: [],
  recreate: "auto",
  removeOrphans: false,
};

describe("planCompose: what compose will do, predicted from config hashes and container states", () => {
  test.each<[string, Partial<PlanInput>, ReturnType<typeof planCompose>]>([
    [
      "nothing yet: create all",
      {},
      [
        { service: "web", action: "create" },
        { service: "db", action: "create" },
      ],
    ],
    [
      "up to date and running: nothing",
      { containers: [c("w", "web", "running", "h-web"), c("d", "db", "running", "h-db")] },
      [],
    ],
    [
      "changed config: recreate",
      { containers: [c("w", "web", "running", "old"), c("d", "db", "running", "h-db")] },
      [{ service: "web", container: "w", action: "recreate" }],
    ],
    [
      "recreate never keeps the old container",
      { recreate: "never", containers: [c("w", "web", "running", "old")], selected: ["web"] },
      [],
    ],
    [
      "recreate always",
      { recreate: "always", containers: [c("w", "web", "running", "h-web")], selected: ["web"] },
      [{ service: "web", container: "w", action: "recreate" }],
    ],
    [
      "stopped container: start",
      { containers: [c("w", "web", "exited", "h-web")], selected: ["web"] },
      [{ service: "web", container: "w", action: "start" }],
    ],
    [
      "state stopped stops running ones only",
      { state: "stopped", containers: [c("w", "web", "running", "h-web"), c("d", "db", "exited", "h-db")] },
      [{ service: "web", container: "w", action: "stop" }],
    ],
    [
      "restarted restarts every container",
      { state: "restarted", containers: [c("w", "web", "running", "h-web")], selected: ["web"] },
      [{ service: "web", container: "w", action: "restart" }],
    ],
    [
      "absent removes the selected services' containers",
      {
        state: "absent",
        selected: ["db"],
        containers: [c("w", "web", "running", "x"), c("d", "db", "running", "x")],
      },
      [{ service: "db", container: "d", action: "remove" }],
    ],
    [
      "orphans go only with remove_orphans",
      {
        removeOrphans: true,
        containers: [
          c("w", "web", "running", "h-web"),
          c("d", "db", "running", "h-db"),
          c("o", "old", "running", "x"),
        ],
      },
      [{ service: "old", container: "o", action: "remove" }],
    ],
  ])("%s", (_name, input, expected) => {
    expect(planCompose({ ...base, ...input })).toEqual(expected);
  });
});

describe("containerChanges: the real outcome, from two looks at the project", () => {
  test("no difference, a new id, a state change, a restart and a removal", () => {
    const before = [
      c("a", "web", "running", "h"),
      c("b", "db", "running", "h"),
      c("gone", "x", "running", "h"),
    ];
    const after = [
      c("a", "web", "running", "h"),
      c("b", "db", "exited", "h"),
      { ...c("n", "web", "running", "h") },
      c("gone-not", "x", "running", "h"),
    ];
    expect(containerChanges(before, before)).toEqual([]);
    expect(containerChanges(before, after)).toEqual([
      "b running -> exited",
      "n created",
      "gone-not created",
      "gone removed",
    ]);
    expect(containerChanges([c("a", "web", "running", "h")], [c("a", "web", "running", "h", "t2")])).toEqual([
      "a restarted",
    ]);
  });
});

describe("describePlan", () => {
  test("one line per kind of action, in plan order, naming containers where they exist", () => {
    expect(describePlan([])).toBe("nothing to do");
    expect(
      describePlan([
        { service: "web", action: "create" },
        { service: "db", container: "p_db_1", action: "recreate" },
        { service: "worker", action: "create" },
      ]),
    ).toBe("would create web, worker; would recreate p_db_1");
  });
});
