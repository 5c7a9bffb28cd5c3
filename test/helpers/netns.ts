/**
 * A network namespace linked to this one by a veth pair on a private /30 (10.200.x.y), for tests that
 * cut a host's network: nothing but this machine can reach it. Needs root and iproute2.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Why namespace tests cannot run here, or undefined. Under CI a missing part is an error, not a skip. */
export function netnsSkipReason(): string | undefined {
  let reason: string | undefined;
  if (!existsSync("/usr/sbin/ip") && !existsSync("/sbin/ip") && !existsSync("/usr/bin/ip"))
    reason = "iproute2 is not installed (apt-get install iproute2)";
  else if (process.getuid?.() !== 0) reason = "network namespaces need root";
  else {
    try {
      execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    } catch {
      reason = "ip netns does not work here";
    }
  }
  if (reason && process.env.CI) throw new Error(`CI must run the network namespace tests: ${reason}`);
  return reason;
}

export interface LinkedNamespace {
  /** The namespace's name, for `ip netns exec`. */
  name: string;
  /** This side's interface and address. */
  hostIf: string;
  hostAddress: string;
  /** The namespace's address: where a server inside it listens. */
  nsAddress: string;
  /** Takes this side of the link down: packets stop, no reset reaches either end. */
  cut(): void;
  /** Brings the link back. */
  restore(): void;
  remove(): void;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: "pipe" });
}

/** A /30 in 10.200.0.0/16 that no interface here uses yet. */
function freeSubnet(): number {
  const used = ip("-4", "-o", "addr", "show");
  for (let attempt = 0; attempt < 64; attempt++) {
    const block = Math.floor(Math.random() * 16384);
    const third = block >> 6;
    const fourth = (block & 63) * 4;
    if (!used.includes(`10.200.${third}.${fourth + 1}/`) && !used.includes(`10.200.${third}.${fourth + 2}/`))
      return block;
  }
  throw new Error("no free /30 in 10.200.0.0/16");
}

/** Creates the namespace (with lo up) and the veth link; call remove() in afterAll. */
export function createLinkedNamespace(label: string): LinkedNamespace {
  const id = `${label}${process.pid % 100000}`;
  const name = `tsible-${id}`;
  const hostIf = `ts${id}h`.slice(0, 15);
  const nsIf = `ts${id}n`.slice(0, 15);
  const block = freeSubnet();
  const prefix = `10.200.${block >> 6}.`;
  const base = (block & 63) * 4;
  const hostAddress = `${prefix}${base + 1}`;
  const nsAddress = `${prefix}${base + 2}`;
  const remove = () => {
    try {
      ip("link", "del", hostIf); // deletes its peer too
    } catch {
      // already gone
    }
    try {
      ip("netns", "del", name);
    } catch {
      // already gone
    }
  };
  remove(); // a leftover of an earlier crashed run with the same pid
  try {
    ip("netns", "add", name);
    ip("link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
    ip("link", "set", nsIf, "netns", name);
    ip("addr", "add", `${hostAddress}/30`, "dev", hostIf);
    ip("link", "set", hostIf, "up");
    ip("netns", "exec", name, "ip", "addr", "add", `${nsAddress}/30`, "dev", nsIf);
    ip("netns", "exec", name, "ip", "link", "set", nsIf, "up");
    ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
  } catch (err) {
    remove();
    throw err;
  }
  return {
    name,
    hostIf,
    hostAddress,
    nsAddress,
    cut: () => void ip("link", "set", hostIf, "down"),
    restore: () => void ip("link", "set", hostIf, "up"),
    remove,
  };
}
