import { describe, expect, it } from "vitest";
import { becomeFailure, stripBecomePrompt, wrapBecome } from "../../src/connection/become.js";

const spec = { user: "app user", method: "sudo" as const };

describe("wrapBecome", () => {
  it("uses sudo -n without a password, quoting user and command", () => {
    expect(wrapBecome("echo 'hi'", spec)).toEqual({
      command: `sudo -n -H -u 'app user' -- /bin/sh -c 'echo '\\''hi'\\'''`,
    });
  });

  it("uses sudo -S with a unique prompt and sends the password on stdin only", () => {
    const a = wrapBecome("id", { ...spec, password: "s3cret" });
    const b = wrapBecome("id", { ...spec, password: "s3cret" });
    expect(a.command).toMatch(/^sudo -S -p '\[sudo via tsible, key=[0-9a-f]+\] password:' -H -u /);
    expect(a.command).not.toContain("s3cret");
    expect(a.stdinPrefix).toMatch(/^s3cret\ntsible-become-[0-9a-f]+\n$/);
    expect(a.prompt).not.toBe(b.prompt);
    expect(() => wrapBecome("id", { ...spec, password: "a\nb" })).toThrow(/line break/);
  });

  it("keeps user flags but not the ones it sets itself, and refuses odd ones", () => {
    expect(wrapBecome("id", { ...spec, flags: "-H -S -n -E" }).command).toMatch(/^sudo -n -H -E -u /);
    expect(() => wrapBecome("id", { ...spec, flags: "-H; rm -rf /" })).toThrow(/unsupported become flag/);
    expect(() => wrapBecome("id", { ...spec, method: "su" as "sudo" })).toThrow(/not supported/);
  });

  it("strips every copy of the prompt from stderr", () => {
    expect(stripBecomePrompt("P:Sorry, try again.\nP:real\n", "P:")).toBe("Sorry, try again.\nreal\n");
    expect(stripBecomePrompt("x", undefined)).toBe("x");
  });
});

describe("becomeFailure", () => {
  const cases: Array<[string, number, string, RegExp | undefined]> = [
    [
      "password required",
      1,
      "sudo: a password is required\n",
      /sudo needs a password to become app user on h/,
    ],
    ["not in sudoers", 1, "bob is not in the sudoers file.\n", /sudo refused .*not in the sudoers file/],
    ["not allowed", 1, "Sorry, user bob is not allowed to execute '/bin/sh' as root on h.\n", /sudo refused/],
    [
      "wrong password",
      1,
      "Sorry, try again.\nsudo: 3 incorrect password attempts\n",
      /wrong become password/,
    ],
    ["no sudo", 127, "sh: 1: sudo: not found\n", /sudo is not installed on h/],
    ["command failure", 1, "grep: nothing\n", undefined],
    ["success", 0, "sudo: a password is required\n", undefined],
  ];
  it.each(cases)("%s", (_, rc, stderr, expected) => {
    const err = becomeFailure({ rc, stderr }, spec, "h");
    if (expected) {
      expect(err?.kind).toBe("module");
      expect(err?.message).toMatch(expected);
      expect(err?.hint).toBeTruthy();
    } else {
      expect(err).toBeUndefined();
    }
  });
});
