import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Names this test run (TSIBLE_TEST_RUN, inherited by the workers) so that what its workers leave in
 * the temp folder can be removed at the end: a worker is stopped, not exited, so its own exit
 * handlers do not run. Another run going on at the same time keeps its files.
 */
export default function setup(): () => void {
  const run = randomBytes(4).toString("hex");
  process.env.TSIBLE_TEST_RUN = run;
  return () => {
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(`tsible-sshd-keys-${run}-`))
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  };
}
