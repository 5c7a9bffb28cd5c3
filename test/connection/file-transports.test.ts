import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { becomeFiles, ShellFiles } from "../../src/connection/shell-files.js";
import type { SshConnection } from "../../src/connection/ssh/index.js";
import type { FileTransport } from "../../src/connection/types.js";
import { connectTo } from "../helpers/ssh-connect.js";
import { type Sshd, sshdSkipReason, startSshd, TEST_USERS } from "../helpers/sshd.js";
import { fileTransportContract, uniqueBase } from "./file-transport-contract.js";

const skip = sshdSkipReason();
const NOBODY = 65534;

interface Conns {
  root: SshConnection;
  nopw: SshConnection;
}

const transports: Array<{ name: string; root: boolean; make: (c: Conns) => FileTransport }> = [
  { name: "sftp as root", root: true, make: (c) => c.root.files },
  { name: "sftp as a plain user", root: false, make: (c) => c.nopw.files },
  { name: "shell as root", root: true, make: (c) => new ShellFiles((cmd, o) => c.root.exec(cmd, o), "root") },
  {
    name: "shell as a plain user",
    root: false,
    make: (c) => new ShellFiles((cmd, o) => c.nopw.exec(cmd, o), "nopw"),
  },
  {
    name: "shell under become (plain user -> root)",
    root: true,
    make: (c) => becomeFiles(c.nopw, { user: "root", method: "sudo" }),
  },
];

describe.skipIf(skip)("file transports over ssh against a real sshd", () => {
  let sshd: Sshd;
  let conns: Conns;

  beforeAll(async () => {
    sshd = await startSshd();
    conns = { root: await connectTo(sshd, "root"), nopw: await connectTo(sshd, TEST_USERS.nopw) };
  });
  afterAll(async () => {
    await conns?.root.close();
    await conns?.nopw.close();
    await sshd?.stop();
  });

  // the rows' names are only true if the connections log in as those users and sudo makes root
  it("connects as root and as the plain user, and become makes the plain user root", async () => {
    expect((await conns.root.exec("id -un")).stdout.trim()).toBe("root");
    expect((await conns.nopw.exec("id -un")).stdout.trim()).toBe(TEST_USERS.nopw);
    const become = await conns.nopw.exec("id -un", { become: { user: "root", method: "sudo" } });
    expect(become.stdout.trim()).toBe("root");
  });

  for (const tc of transports) {
    const base = uniqueBase("/tmp/tsible-files");
    fileTransportContract(
      tc.name,
      async () => {
        await conns.root.exec(`mkdir -m 0755 ${base} && chown ${TEST_USERS.nopw} ${base}`);
        return { files: tc.make(conns), base, root: tc.root, otherUid: NOBODY };
      },
      async () => {
        await conns.root.exec(`rm -rf ${base}`);
      },
    );
  }
});
