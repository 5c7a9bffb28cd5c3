import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ShellExec, ShellFiles } from "../../src/connection/shell-files.js";
import { fileTransportContract } from "./file-transport-contract.js";

const BUSYBOX = "/bin/busybox";
const APPLETS = [
  "sh",
  "stat",
  "cat",
  "mktemp",
  "chmod",
  "chown",
  "mv",
  "rm",
  "rmdir",
  "mkdir",
  "ln",
  "readlink",
  "printf",
];

let reason: string | undefined;
if (!existsSync(BUSYBOX)) reason = "busybox is not installed (apt-get install busybox)";
else if (process.getuid?.() !== 0) reason = "the busybox shell test checks chown and needs root";
if (reason && process.env.CI) throw new Error(`CI must run the busybox shell test: ${reason}`);

/** Runs scripts with busybox's sh and applets only, as on a minimal host. */
function busyboxExec(bin: string): ShellExec {
  return (command, opts = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(join(bin, "sh"), ["-c", command], { env: { PATH: bin } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => {
        out.push(c);
        opts.onStdout?.(c);
      });
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.on("error", reject);
      child.on("close", (code) =>
        resolve({
          rc: code ?? 1,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        }),
      );
      child.stdin.on("error", () => undefined); // a script may exit before reading its stdin
      child.stdin.end(opts.stdin);
    });
}

describe.skipIf(reason)("shell file transport on busybox", () => {
  const root = mkdtempSync(join(tmpdir(), "tsible-busybox-"));
  const bin = join(root, "bin");
  const base = join(root, "work");
  fileTransportContract(
    "busybox sh and applets",
    async () => {
      mkdirSync(bin);
      mkdirSync(base);
      for (const applet of APPLETS) symlinkSync(BUSYBOX, join(bin, applet));
      return { files: new ShellFiles(busyboxExec(bin), "busybox"), base, root: true, otherUid: 65534 };
    },
    async () => rmSync(root, { recursive: true, force: true }),
  );

  // the contract above proves nothing about busybox unless busybox alone runs the scripts
  it("runs the scripts in busybox's sh, not the system's", async () => {
    const own = mkdtempSync(join(tmpdir(), "tsible-busybox-env-"));
    try {
      for (const applet of APPLETS) symlinkSync(BUSYBOX, join(own, applet));
      const exec = busyboxExec(own);
      expect((await exec("readlink /proc/$$/exe")).stdout.trim()).toBe(realpathSync(BUSYBOX));
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
