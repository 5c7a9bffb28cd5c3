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

/**
 * sshd drops connections past its MaxStartups (10:30:100 by default: some beyond 10 unauthenticated at
 * once, all beyond 100), which many forks through one bastion, or to one server, reach. Such a drop
 * comes before the handshake, when nothing has been sent: it is tried again after a jittered pause.
 */
const DROP_RETRY_DELAYS_MS = [200, 400, 800, 1600];
const DROP_HINT =
  "when many connections arrive at once, sshd drops those past its MaxStartups: lower --forks, or raise MaxStartups in the server's sshd_config; otherwise check that an SSH server listens there (a firewall or tcp_wrappers rule may close it too)";
const droppedBeforeHandshake = new WeakSet<Error>();

/** Runs `connect` again while the server drops it before the handshake; says how often it tried. */
async function retryingDrops<T>(connect: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect();
    } catch (err) {
      if (!(err instanceof TsibleError) || !droppedBeforeHandshake.has(err)) throw err;
      const delay = DROP_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        throw new TsibleError(`${err.message}${attempt > 0 ? ` (${attempt + 1} attempts)` : ""}`, {
          kind: "connection",
          cause: err.cause,
          hint: DROP_HINT,
        });
      }
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random())));
    }
  }
}

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
  let handshaken = false;
  client.once("handshake", () => {
    handshaken = true;
  });
  const target = describeTarget(opts);
  return new Promise((resolve, reject) => {
    const fail = (err: Error & { code?: string; level?: string }) => {
      client.removeAllListeners("ready");
      client.end();
      if (hostKeyError) return reject(hostKeyError);
      if (err instanceof TsibleError) return reject(err);
      const dropped =
        !handshaken &&
        (err.code === "ECONNRESET" ||
          err.code === "EPIPE" ||
          /before handshake|during the handshake/.test(err.message));
      let reason: string;
      if (dropped) {
        reason = "the server closed the connection before the SSH handshake";
      } else if (err.level === "client-authentication") {
        reason = `authentication failed: ${walker.describeFailure()}`;
      } else if (err.level === "client-timeout") {
        reason = `timed out after ${timeout} ms`;
      } else {
        reason = (err.code && NETWORK_REASONS[err.code]) || err.message;
      }
      const hint =
        err.level === "client-authentication"
          ? "check ansible_user, the key (ansible_ssh_private_key_file / --private-key / ssh-agent) and the host's authorized_keys"
          : dropped
            ? DROP_HINT
            : undefined;
      const error = new TsibleError(`cannot connect to ${target}${via(jumpedFrom)}: ${reason}`, {
        kind: "connection",
        cause: err,
        ...(hint ? { hint } : {}),
      });
      if (dropped) droppedBeforeHandshake.add(error);
      reject(error);
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
    // a fresh tunnel for every attempt: a dropped one is closed
    const hopTo = (to: SshOptions, from: typeof previous) =>
      retryingDrops(async () =>
        connectOne(to, from ? await forwardOut(from.client, to, from.name) : undefined, from?.name),
      );
    for (const hop of opts.jump ?? []) {
      const client = await hopTo(hop, previous);
      jumps.push(client);
      previous = { client, name: describeTarget(hop) };
    }
    const client = await hopTo(opts, previous);
    return { client, jumps };
  } catch (err) {
    for (const jump of jumps.reverse()) jump.end();
    throw err;
  }
}
