import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { BIN } from "../helpers/cli.js";
import { LOCAL_INVENTORY, tempProject } from "./project.js";

/** The live view, checked from the screen of a real terminal (a detached tmux pane). */
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const missing = hasTmux ? undefined : "tmux is not installed (apt-get install tmux)";
if (missing && process.env.CI) throw new Error(`interactive view test needs ${missing}`);

const project = tempProject("tsible-live-");
const SOCKET = `tsible-test-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync("tmux", ["-L", SOCKET, "-f", "/dev/null", ...args], { encoding: "utf8" });

afterEach(() => {
  spawnSync("tmux", ["-L", SOCKET, "kill-server"]);
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts the CLI in a 120x40 pane as a user's terminal would (no CI, no NO_COLOR). */
function startInPane(dir: string, args: string[]): void {
  const command = `cd ${shellQuote(dir)} && env -u CI -u NO_COLOR -u FORCE_COLOR TERM=xterm ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(" ")}; echo "EXIT=$?"; sleep 60`;
  tmux("new-session", "-d", "-x", "120", "-y", "40", "sh", "-c", command);
}

async function screenUntil(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let screen = "";
  while (Date.now() < until) {
    screen = tmux("capture-pane", "-p");
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${pattern}:\n${screen}`);
}

describe.skipIf(missing)("live view on a terminal", () => {
  test("shows hosts running with elapsed time, then their states, failures and the recap", async () => {
    const dir = project({
      "inv.ini": LOCAL_INVENTORY,
      "pb.yml": `- hosts: web
  gather_facts: false
  tasks:
    - name: slow step
      command: sleep 3
    - name: breaks on h2
      command: "{{ 'false' if inventory_hostname == 'h2' else 'true' }}"
`,
    });
    startInPane(dir, ["run", "pb.yml", "-i", "inv.ini"]);
    const running = await screenUntil(/h2: running \d+\.\ds/);
    expect(running).toContain("PLAY [web]");
    expect(running).toMatch(/TASK \[slow step\]/);
    expect(running).toMatch(/h1: running \d+\.\ds/);

    const done = await screenUntil(/EXIT=\d+/);
    expect(done).toMatch(
      /✔ TASK \[slow step\]\n\s+✔ h1: changed \(\d+\.\ds\)\n\s+✔ h2: changed \(\d+\.\ds\)/,
    );
    expect(done).toMatch(/h1: changed/);
    expect(done).toMatch(/✖ h2: failed/);
    expect(done).toContain("fatal: [h2]: FAILED!");
    expect(done).toMatch(/h2\s+: ok=1\s+changed=1\s+unreachable=0\s+failed=1/);
    expect(done).toContain("EXIT=2");
    expect(done).not.toContain("running");
  });

  test("NO_COLOR and TERM=dumb keep the plain Ansible-shaped lines on a terminal", async () => {
    const dir = project({
      "pb.yml": `- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: hello\n      debug: { msg: hi }\n`,
    });
    writeFileSync(join(dir, "inv.ini"), "localhost ansible_connection=local\n");
    const run = `${shellQuote(process.execPath)} ${shellQuote(BIN)} run pb.yml -i inv.ini`;
    const command = `cd ${shellQuote(dir)} && env -u CI NO_COLOR=1 ${run}; echo "EXIT=$?"; env -u CI -u NO_COLOR TERM=dumb ${run}; echo "EXIT2=$?"; sleep 60`;
    tmux("new-session", "-d", "-x", "120", "-y", "40", "sh", "-c", command);
    const screen = await screenUntil(/EXIT2=\d+/);
    expect(screen.match(/TASK \[hello\] \*+\nok: \[localhost\]/g)).toHaveLength(2);
    expect(screen).toContain("EXIT=0");
    expect(screen).toContain("EXIT2=0");
    expect(screen).not.toContain("✔");
  });
});
