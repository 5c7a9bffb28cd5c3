import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { envPrefix, octalMode, shellJoin, shq, withCwdAndEnv } from "../../src/connection/quote.js";

const sh = (script: string, env: Record<string, string> = {}) =>
  execFileSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });

const awkward = [
  "plain",
  "",
  "two words",
  "it's",
  "'",
  "$HOME",
  "`id`",
  "a\nb",
  "*",
  "-n",
  "é ü",
  '"q"',
  "\\",
  "!x",
];

describe("shell quoting", () => {
  it.each(awkward)("passes %j through a real sh unchanged", (word) => {
    expect(sh(`printf '%s' ${shq(word)}`)).toBe(word);
  });

  it("leaves simple words readable and quotes the rest", () => {
    expect(shq("/etc/app.conf")).toBe("/etc/app.conf");
    expect(shq("it's")).toBe("'it'\\''s'");
    expect(shellJoin(["echo", "a b", "c"])).toBe("echo 'a b' c");
  });

  it("builds env exports and cwd changes that a real sh honours", () => {
    const cmd = withCwdAndEnv('printf "%s|%s" "$(pwd)" "$V"', { cwd: "/tmp", env: { V: "x 'y' $z" } });
    expect(sh(cmd)).toBe("/tmp|x 'y' $z");
    expect(withCwdAndEnv("true", {})).toBe("true");
    expect(() => envPrefix({ "BAD-NAME": "1" })).toThrow(/invalid environment variable name/);
  });

  it("formats modes in octal", () => {
    expect(octalMode(0o644)).toBe("0644");
    expect(octalMode(0o4755)).toBe("4755");
  });
});
