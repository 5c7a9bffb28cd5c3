/** Opening an authenticated ssh2 client: TCP or a jump host's tunnel, host key check, clear errors. */

import type { Duplex } from "node:stream";
import ssh2, { type Client } from "ssh2";

// ssh2 is CommonJS: Node's ESM loader gives only its default export
const { Client: SshClient } = ssh2;

import { TsibleError } from "../../errors.js";
import { authAttempts, authWalker } from "./auth.js";
import { hostKeyPolicy } from "./host-key-check.js";
import {
  DEFAULT_KEEPALIVE_COUNT_MAX,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  describeTarget,
  type SshOptions,
} from "./options.js";

export const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is sshd running, and is the port right?)",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (DNS lookup failed)",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset by the server",
  EPIPE: "the server closed the connection",
};

function via(jumpedFrom: string | undefined): string {
  return jumpedFrom ? ` (via ${jumpedFrom})` : "";
}

/** Opens a tunnel to host:port through an established client (direct-tcpip). */
function forwardOut(client: Client, opts: SshOptions, jumpName: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut("127.0.0.1", 0, opts.host, opts.port, (err, stream) => {
      if (err) {
        reject(
          new TsibleError(
            `cannot reach ${describeTarget(opts)} through jump host ${jumpName}: ${err.message}`,
            {
              kind: "connection",
            },
          ),
        );
      } else resolve(stream);
    });
  });
}

/** Connects to one host, over `sock` when given (a tunnel through the previous hop). */
export async function connectOne(opts: SshOptions, sock?: Duplex, jumpedFrom?: string): Promise<Client> {
  const [policy, attempts] = await Promise.all([hostKeyPolicy(opts), authAttempts(opts)]);
  const walker = authWalker(attempts);
  const timeout = opts.connectTimeoutMs ?? 10_000;
  const client = new SshClient();
  let hostKeyError: TsibleError | undefined;
  const target = describeTarget(opts);
  return new Promise((resolve, reject) => {
    const fail = (err: Error & { code?: string; level?: string }) => {
      client.removeAllListeners("ready");
      client.end();
      if (hostKeyError) return reject(hostKeyError);
      if (err instanceof TsibleError) return reject(err);
      let reason: string;
      if (err.level === "client-authentication") {
        reason = `authentication failed: ${walker.describeFailure()}`;
      } else if (err.level === "client-timeout") {
        reason = `timed out after ${timeout} ms`;
      } else {
        reason = (err.code && NETWORK_REASONS[err.code]) || err.message;
      }
      const hint =
        err.level === "client-authentication"
          ? "check ansible_user, the key (ansible_ssh_private_key_file / --private-key / ssh-agent) and the host's authorized_keys"
          : undefined;
      reject(
        new TsibleError(`cannot connect to ${target}${via(jumpedFrom)}: ${reason}`, {
          kind: "connection",
          cause: err,
          ...(hint ? { hint } : {}),
        }),
      );
    };
    client.on("error", fail); // stays: ssh2 may report more errors while it tears down
    client.once("close", () => fail(Object.assign(new Error("connection closed during the handshake"), {})));
    client.once("ready", () => {
      client.removeListener("error", fail);
      client.removeAllListeners("close");
      // Later errors (a reset socket) surface as the connection closing; an unheard error would crash.
      client.on("error", () => undefined);
      client.setNoDelay(true); // without it every round trip waits ~40 ms on Nagle
      resolve(client);
    });
    client.connect({
      ...(sock ? { sock } : { host: opts.host, port: opts.port }),
      username: opts.user,
      readyTimeout: timeout,
      keepaliveInterval: opts.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: opts.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey: policy.algorithms as never },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        policy.verify(key).then(
          (err) => {
            hostKeyError = err;
            verify(err === undefined);
          },
          (err: Error) => {
            hostKeyError = new TsibleError(`cannot check the host key of ${target}: ${err.message}`, {
              kind: "connection",
            });
            verify(false);
          },
        );
      },
      authHandler: walker.handler as never,
    });
    if (!sock) {
      // Nagle off from the very first packet: the handshake is many small round trips too.
      (client as unknown as { _sock?: { setNoDelay?: (on: boolean) => void } })._sock?.setNoDelay?.(true);
    }
  });
}

export interface OpenedClient {
  client: Client;
  /** Jump host clients, closed after the target. */
  jumps: Client[];
}

/** Connects through every jump host in turn, then to the target. */
export async function connectWithJumps(opts: SshOptions): Promise<OpenedClient> {
  const jumps: Client[] = [];
  try {
    let previous: { client: Client; name: string } | undefined;
    for (const hop of opts.jump ?? []) {
      const sock = previous ? await forwardOut(previous.client, hop, previous.name) : undefined;
      const client = await connectOne(hop, sock, previous?.name);
      jumps.push(client);
      previous = { client, name: describeTarget(hop) };
    }
    const sock = previous ? await forwardOut(previous.client, opts, previous.name) : undefined;
    const client = await connectOne(opts, sock, previous?.name);
    return { client, jumps };
  } catch (err) {
    for (const jump of jumps.reverse()) jump.end();
    throw err;
  }
}
