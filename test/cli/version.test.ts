import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT, tsible } from "../helpers/cli.js";

describe("tsible --version", () => {
  it("prints package.json's version, the one the run lock and ansible_version report", async () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { version: string };
    const res = await tsible(["--version"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`tsible ${version}\n`);
  });
});
