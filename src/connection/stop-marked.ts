/**
 * Stopping a remote command for real. An SSH "signal" request is not enough: OpenSSH's sshd does
 * not deliver it to a command without a pty, and closing the channel leaves the command running.
 * So every command carries a random mark, and an abort runs a script that finds the mark and stops
 * the sessions it is in.
 */

import { randomBytes } from "node:crypto";

const MARK = "TSIBLE_EXEC";

export function newMark(): string {
  return randomBytes(8).toString("hex");
}

/**
 * `command` with the mark in its shell's command line (and, under become, in sudo's) and in the
 * environment of what it starts. The trailing `exit $?` keeps bash from exec'ing the last command
 * in the shell's place, which would drop the mark from the command line.
 */
export function markCommand(command: string, mark: string): string {
  return `${MARK}=${mark}; export ${MARK}; ${command}\nexit $?`;
}

/**
 * A script that TERMs the session of every process carrying `mark` (sshd and sudo make a command's
 * shell a session and group leader), then KILLs what is left after two seconds. The mark is split
 * in the script so that it does not find itself. Run it as the user the command ran as.
 */
export function stopScript(mark: string): string {
  return [
    `m=${MARK}`,
    `found() { grep -lsaF "$m=${mark}" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | sort -u; }`,
    `S=$(for p in $(found); do s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f4); [ -n "$s" ] && [ "$s" != $$ ] && echo "$s"; done | sort -u)`,
    `[ -z "$S" ] && exit 0`,
    `for s in $S; do kill -TERM "-$s" 2>/dev/null; done`,
    `i=0; while [ $i -lt 10 ]; do a=; for s in $S; do kill -0 "-$s" 2>/dev/null && a=1; done; [ -z "$a" ] && exit 0; sleep 0.2; i=$((i+1)); done`,
    `for s in $S; do kill -KILL "-$s" 2>/dev/null; done`,
    "exit 0",
  ].join("\n");
}
