import { describe, expect, test } from "vitest";
import { landedItems } from "../../../src/modules/rsync/landed.js";

/** rsync 3's words for the failures below, as it printed them (paths shortened). */
const ENOSPC = [
  'rsync: [receiver] write failed on "/srv/site/big": No space left on device (28)',
  "rsync error: error in file IO (code 11) at receiver.c(657) [receiver=3.2.7]",
].join("\n");
const READ_ONLY = [
  'rsync: [generator] failed to set times on "/srv/site/.": Read-only file system (30)',
  'rsync: [generator] failed to set times on "/srv/site/sub": Read-only file system (30)',
  'rsync: [receiver] mkstemp "/srv/site/.a.nWDjPj" failed: Read-only file system (30)',
  'rsync: [receiver] mkstemp "/srv/site/sub/.a.266Hzc" failed: Read-only file system (30)',
  "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]",
].join("\n");

describe("what a failed rsync changed", () => {
  test("an aborted run: its received files never left .~tmp~, its folders' times do not count", () => {
    const lines = [
      ".d..t...... ./",
      ">f.st...... a",
      ">f+++++++++ big",
      ".d..t...... sub/",
      ">f+++++++++ sub/b",
    ];
    expect(landedItems(lines, { rc: 11, stderr: ENOSPC, delayed: true })).toEqual([]);
    // sending (a push) itemizes with `<`
    expect(landedItems(["<f+++++++++ a", "<f.st...... b"], { rc: 12, stderr: "", delayed: true })).toEqual(
      [],
    );
  });

  test("a run that went to its end (23): what no error names landed, `sub/a` told apart from `a`", () => {
    const lines = [
      ".d..t...... ./",
      ">f.st...... a",
      ">f+++++++++ big",
      ".d..t...... sub/",
      ">f+++++++++ sub/a",
    ];
    expect(landedItems(lines, { rc: 23, stderr: READ_ONLY, delayed: true })).toEqual([">f+++++++++ big"]);
    const everything = [...lines.slice(0, 2), ...lines.slice(3)];
    expect(landedItems(everything, { rc: 23, stderr: READ_ONLY, delayed: true })).toEqual([]);
  });

  test("deletions, creations and attribute changes happened unless an error names them", () => {
    const lines = [
      "*deleting   old.txt",
      "cd+++++++++ new/",
      "cL+++++++++ new/link -> ../a",
      ".f...p..... a",
      ".f....o.... b",
      ">f+++++++++ new/file",
    ];
    const stderr = 'rsync: [generator] chown "/srv/site/b" failed: Operation not permitted (1)';
    expect(landedItems(lines, { rc: 11, stderr, delayed: true })).toEqual(lines.slice(0, 4));
  });

  test("with --no-delay-updates a received file lands as soon as it is whole", () => {
    const lines = [">f+++++++++ a", ">f+++++++++ big"];
    expect(landedItems(lines, { rc: 11, stderr: ENOSPC, delayed: false })).toEqual([">f+++++++++ a"]);
  });

  test("names as rsync escapes them, and a file named in a failed rename out of .~tmp~", () => {
    const lines = [">f+++++++++ new\\#012line", ">f+++++++++ sub/x"];
    const stderr = [
      'rsync: [receiver] write failed on "/srv/new\\#012line": No space left on device (28)',
      'rsync: [receiver] rename "/srv/sub/.~tmp~/x" -> "sub/x": Permission denied (13)',
    ].join("\n");
    expect(landedItems(lines, { rc: 23, stderr, delayed: true })).toEqual([]);
  });
});
