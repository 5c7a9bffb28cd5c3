/** Wrapping commands in sudo (Ansible's `become`), and recognising sudo's own failures. */

import { randomBytes } from "node:crypto";
import { TsibleError } from "../errors.js";
import { shq } from "./quote.js";
import type { BecomeSpec } from "./types.js";

export interface BecomeCommand {
  /** The command to hand to `/bin/sh -c` as the login user. */
  command: string;
  /** Bytes to send on stdin before the caller's own stdin (the password, never argv). */
  stdinPrefix?: string;
  /** sudo's prompt, unique per call: remove it from stderr with `stripBecomePrompt`. */
  prompt?: string;
}

/** Flags a user may pass through `become_flags`; -n/-S/-p/-u are ours to set. */
const FLAG_WORD = /^--?[A-Za-z][A-Za-z-]*(=[A-Za-z0-9_.,:/-]*)?$/;
const OWN_FLAGS = new Set(["-n", "-S", "--non-interactive", "--stdin"]);

function userFlags(flags: string | undefined): string[] {
  const words = (flags ?? "-H").split(/\s+/).filter((w) => w !== "");
  for (const word of words) {
    if (!FLAG_WORD.test(word)) {
      throw new TsibleError(`unsupported become flag ${JSON.stringify(word)}`, {
        kind: "module",
        hint: "become_flags takes plain sudo options such as -H or -E",
      });
    }
  }
  return words.filter((w) => !OWN_FLAGS.has(w));
}

/**
 * Wraps `command` in sudo. Without a password sudo runs with -n and fails fast when it would ask.
 * With one, sudo reads it from stdin (-S) behind a unique prompt. sudo does not read the password when
 * it needs none (NOPASSWD, root), so a random sentinel line follows it and a tiny reader inside the
 * become shell discards everything up to the sentinel: the password never reaches the command's stdin.
 */
export function wrapBecome(command: string, spec: BecomeSpec): BecomeCommand {
  if (spec.method !== "sudo") {
    throw new TsibleError(`become method ${JSON.stringify(spec.method)} is not supported`, {
      kind: "module",
      hint: "only sudo is supported",
    });
  }
  const flags = userFlags(spec.flags).join(" ");
  const user = shq(spec.user);
  if (spec.password === undefined) {
    return { command: `sudo -n ${flags} -u ${user} -- /bin/sh -c ${shq(command)}` };
  }
  if (/[\r\n]/.test(spec.password)) {
    throw new TsibleError("the become password contains a line break", { kind: "module" });
  }
  const key = randomBytes(12).toString("hex");
  const prompt = `[sudo via tsible, key=${key}] password:`;
  const sentinel = `tsible-become-${key}`;
  const reader = `while IFS= read -r l; do [ "$l" = ${sentinel} ] && break; done; exec /bin/sh -c "$1"`;
  return {
    command: `sudo -S -p ${shq(prompt)} ${flags} -u ${user} -- /bin/sh -c ${shq(reader)} tsible-become ${shq(command)}`,
    stdinPrefix: `${spec.password}\n${sentinel}\n`,
    prompt,
  };
}

/** Removes sudo's prompt (possibly repeated after a wrong password) from stderr. */
export function stripBecomePrompt(stderr: string, prompt: string | undefined): string {
  return prompt ? stderr.split(prompt).join("") : stderr;
}

/** Recognises a failure of sudo itself (as opposed to the wrapped command) and explains it. */
export function becomeFailure(
  result: { rc: number; stderr: string },
  spec: BecomeSpec,
  host: string,
): TsibleError | undefined {
  if (result.rc === 0) return undefined;
  const text = result.stderr.trim();
  const who = `to become ${spec.user} on ${host}`;
  if (/^sudo: (a password is required|a terminal is required)/m.test(text)) {
    return new TsibleError(`sudo needs a password ${who}`, {
      kind: "module",
      hint: "give the become password with -K (--ask-become-pass) or ansible_become_password, or allow NOPASSWD in sudoers",
    });
  }
  if (/is not in the sudoers file|is not allowed to execute|may not run sudo/.test(text)) {
    const line = text.split("\n").find((l) => /sudoers|not allowed|may not run/.test(l)) ?? text;
    return new TsibleError(`sudo refused ${who}: ${line.replace(/^sudo: /, "")}`, {
      kind: "module",
      hint: "the login user needs a sudoers rule that allows it (see /etc/sudoers.d)",
    });
  }
  if (/^sudo: \d+ incorrect password attempts?|^Sorry, try again\./m.test(text)) {
    return new TsibleError(`wrong become password ${who}`, {
      kind: "module",
      hint: "check the password given with -K or ansible_become_password",
    });
  }
  if (result.rc === 127 && /sudo: (command )?not found|sudo: No such file/.test(text)) {
    return new TsibleError(`sudo is not installed on ${host}`, {
      kind: "module",
      hint: "install sudo on the host, or connect as the target user",
    });
  }
  return undefined;
}
