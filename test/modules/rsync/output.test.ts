import { chmodSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { rsyncFlags } from "../../../src/modules/rsync/options.js";
import { ProgressReporter, parseItemized, parseProgress } from "../../../src/modules/rsync/output.js";
import { rsyncModule } from "../../../src/modules/rsync.js";
import { makeModuleContext, runModule } from "../../helpers/module-context.js";
import { makeSourceTree, rsyncSkipReason } from "./fixtures.js";

describe("rsync flags from synchronize's arguments", () => {
  const cases: Array<[string, Parameters<typeof rsyncFlags>[0], boolean, string[], string[]]> = [
    [
      "defaults: archive and compress",
      { src: "a", dest: "b" },
      false,
      ["--archive", "--compress"],
      ["--dry-run"],
    ],
    ["check mode is a dry run", { src: "a", dest: "b" }, true, ["--dry-run"], []],
    [
      "a written false under archive",
      { src: "a", dest: "b", owner: false, group: false },
      false,
      ["--no-owner", "--no-group"],
      [],
    ],
    [
      "without archive only what is asked",
      { src: "a", dest: "b", archive: false, recursive: true, times: true },
      false,
      ["--recursive", "--times"],
      ["--archive", "--perms"],
    ],
    [
      "delete after the transfer, checksum",
      { src: "a", dest: "b", delete: true, checksum: true },
      false,
      ["--delete-after", "--checksum"],
      [],
    ],
    ["compress off", { src: "a", dest: "b", compress: false }, false, [], ["--compress"]],
    ["extra options last", { src: "a", dest: "b", rsync_opts: ["--no-motd"] }, false, ["--no-motd"], []],
  ];
  test.each(cases)("%s", (_name, args, check, present, absent) => {
    const flags = rsyncFlags(args, check);
    for (const flag of present) expect(flags).toContain(flag);
    for (const flag of absent) expect(flags).not.toContain(flag);
  });

  test("includes come before excludes, since rsync takes the first matching rule", () => {
    const flags = rsyncFlags({ src: "a", dest: "b", exclude: ["*"], include: ["keep/"] }, false);
    expect(flags.indexOf("--include=keep/")).toBeLessThan(flags.indexOf("--exclude=*"));
  });
});

describe("reading rsync's output", () => {
  test("itemized lines, with progress fragments and other output around them", () => {
    const stdout =
      "      1,024  50%    1.00MB/s    0:00:01 (xfr#1, to-chk=3/5)\r" +
      "<<CHANGED>>>f+++++++++ sp ace.txt\n" +
      "<<CHANGED>>cL+++++++++ link -> run.sh\n" +
      "<<CHANGED>>.d..t...... sub/\n" +
      "<<CHANGED>>*deleting   old.txt\n" +
      "<<CHANGED>>>f+++++++++ new\\#012line.txt\n" +
      "some warning from rsync\n";
    const items = parseItemized(stdout);
    expect(items.lines).toEqual([
      ">f+++++++++ sp ace.txt",
      "cL+++++++++ link -> run.sh",
      ".d..t...... sub/",
      "*deleting   old.txt",
      ">f+++++++++ new\\#012line.txt",
    ]);
    expect(items.files).toEqual(["sp ace.txt", "link", "sub/", "old.txt", "new\nline.txt"]);
  });

  test("nothing itemized is no change", () => {
    expect(parseItemized("          0 100%    0.00kB/s    0:00:00 (xfr#0, to-chk=0/9)\n")).toEqual({
      lines: [],
      files: [],
    });
  });

  test("progress2 lines are read, throttled, and split chunks are joined", () => {
    expect(parseProgress("  32,768,000 100%  120.50MB/s    0:00:00 (xfr#1, to-chk=0/1)")).toEqual({
      bytes: "32,768,000",
      percent: 100,
      rate: "120.50MB/s",
      eta: "0:00:00",
    });
    expect(parseProgress(">f+++++++++ 12 34%")).toBeUndefined();
    let clock = 0;
    const seen: string[] = [];
    const reporter = new ProgressReporter(
      (line) => seen.push(line),
      1000,
      () => clock,
    );
    clock = 5000;
    reporter.feed("      1,000  10%   1.00MB/s    0:00:09\r      2,0");
    reporter.feed("00  20%   1.00MB/s    0:00:08\r");
    clock = 5500;
    reporter.feed("      3,000  30%   1.00MB/s    0:00:07\r");
    clock = 6100;
    reporter.feed("      4,000  40%   1.00MB/s    0:00:06\r");
    expect(seen).toEqual([
      "rsync 10% (1,000 bytes, 1.00MB/s, 0:00:09 left)",
      "rsync 40% (4,000 bytes, 1.00MB/s, 0:00:06 left)",
    ]);
  });
});

const skip = rsyncSkipReason();
describe.skipIf(skip)(`rsync on a local connection${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const work = mkdtempSync(join(tmpdir(), "tsible-rsync-local-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("pushes on the controller itself without a relay; check mode writes nothing", async () => {
    makeSourceTree(join(work, "src"));
    chmodSync(join(work, "src/run.sh"), 0o700);
    const dest = join(work, "dest");
    const check = await runModule(
      rsyncModule,
      { src: join(work, "src/"), dest },
      makeModuleContext({ check: true, diff: true }),
    );
    expect(check.changed).toBe(true);
    expect(check.diff).toEqual({ prepared: expect.stringContaining(">f+++++++++ run.sh\n") });
    expect(() => statSync(dest)).toThrow();
    const ctx = makeModuleContext();
    const done = await runModule(rsyncModule, { src: join(work, "src/"), dest }, ctx);
    expect(done.changed).toBe(true);
    expect(done.cmd).not.toContain("--rsh");
    expect(statSync(join(dest, "run.sh")).mode & 0o777).toBe(0o700);
    expect(readlinkSync(join(dest, "link-to-run"))).toBe("run.sh");
    writeFileSync(join(work, "src/added"), "x");
    const again = await runModule(rsyncModule, { src: join(work, "src/"), dest }, ctx);
    // the folder's time changed with the new file: rsync itemizes it (`.d..t...... ./`) unless it
    // falls in the same time step as before
    expect((again.changed_files as string[]).filter((f) => f !== "./")).toEqual(["added"]);
  });

  test("a failing rsync fails the task with rsync's message", async () => {
    const res = await runModule(
      rsyncModule,
      { src: join(work, "missing/"), dest: join(work, "x") },
      makeModuleContext(),
    );
    expect(res.failed).toBe(true);
    expect(String(res.msg)).toMatch(/could not find|No such file/);
  });
});
