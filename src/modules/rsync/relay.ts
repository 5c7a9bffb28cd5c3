/**
 * Lets the controller's rsync reach the host through tsible's own SSH connection, so authentication,
 * verified host keys, ProxyJump and become are exactly the run's. rsync's `--rsh` is a tiny node script
 * (0700, in a private 0700 folder) that connects back to this process over a unix socket (0600) and
 * relays its stdin/stdout; here the socket is joined to an exec channel running the `rsync --server`
 * command rsync asked for. A random token, passed in the environment, proves the script is ours.
 */

import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BecomeSpec, CommandStream, Connection, ExecResult } from "../../connection/types.js";
import { TsibleError } from "../../errors.js";

const ENV_SOCKET = "TSIBLE_RSYNC_SOCKET";
const ENV_TOKEN = "TSIBLE_RSYNC_TOKEN";
const MAX_HEADER = 64 * 1024;

/** The remote shell: sends {token, argv} as one JSON line, then relays stdin to the socket and back. */
const RSH_SCRIPT = `import { connect } from "node:net";
// rsync stops its remote shell with SIGUSR1 when the transfer fails; unhandled, that signal would open
// node's inspector on 127.0.0.1:9229 (code execution for any local user) and the script would go on
process.on("SIGUSR1", () => process.exit(0));
const sock = connect({ path: process.env.${ENV_SOCKET}, allowHalfOpen: true });
sock.on("error", (err) => {
  process.stderr.write("tsible rsync relay: " + err.message + "\\n");
  process.exit(255);
});
sock.write(JSON.stringify({ token: process.env.${ENV_TOKEN}, argv: process.argv.slice(2) }) + "\\n");
process.stdin.pipe(sock);
sock.pipe(process.stdout);
// rsync stopped reading (it failed): nothing is left to relay
process.stdout.on("error", () => process.exit(0));
// pipe() never ends process.stdout: exit once what the host sent has been written
sock.on("end", () => process.stdout.write("", () => process.exit(0)));
`;

export interface RshRelay {
  /** The `--rsh` value for rsync. */
  readonly rsh: string;
  /** Environment for the rsync process (the socket and the token). */
  readonly env: Record<string, string>;
  /** The remote command's outcome once rsync is done (undefined when rsync never connected). */
  finished(): Promise<ExecResult | undefined>;
  close(): Promise<void>;
}

export interface RelayOptions {
  conn: Connection;
  become: BecomeSpec | undefined;
  signal: AbortSignal;
}

/** Starts the relay for one rsync run; `close()` removes the socket and the script. */
export async function startRelay(opts: RelayOptions): Promise<RshRelay> {
  const openStream = opts.conn.openStream?.bind(opts.conn);
  if (!openStream) {
    throw new TsibleError(`the connection to ${opts.conn.host} cannot stream rsync`, { kind: "internal" });
  }
  const dir = await mkdtemp(join(tmpdir(), "tsible-rsync-"));
  await chmod(dir, 0o700);
  const script = join(dir, "rsh.mjs");
  await writeFile(script, RSH_SCRIPT, { mode: 0o700 });
  const socketPath = join(dir, "s");
  const token = randomBytes(32);
  let outcome: Promise<ExecResult> | undefined;
  let failure: unknown;
  const sockets = new Set<Socket>();

  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (outcome) return socket.destroy(); // one rsync, one remote side
    outcome = serve(socket, token, opts.signal, (command) =>
      openStream(command, relayExecOptions(opts)),
    ).catch((err) => {
      failure = err;
      socket.destroy();
      return { rc: 255, stdout: "", stderr: "" };
    });
  });
  await listen(server, socketPath);
  await chmod(socketPath, 0o600);

  return {
    rsh: `${quoteRsh(process.execPath)} ${quoteRsh(script)}`,
    env: { [ENV_SOCKET]: socketPath, [ENV_TOKEN]: token.toString("hex") },
    async finished() {
      const result = await outcome;
      if (failure) throw failure;
      return result;
    },
    async close() {
      for (const socket of sockets) socket.destroy(); // a killed rsync may leave its side half-open
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function relayExecOptions(opts: RelayOptions) {
  return { ...(opts.become ? { become: opts.become } : {}), signal: opts.signal };
}

/** Reads the header line, checks it, and joins the socket to the remote command's channel. */
async function serve(
  socket: Socket,
  token: Buffer,
  signal: AbortSignal,
  open: (command: string) => Promise<CommandStream>,
): Promise<ExecResult> {
  const { header, rest } = await readHeader(socket);
  const command = remoteCommand(header, token);
  const remote = await open(command);
  if (rest.length > 0) remote.stream.write(rest);
  socket.pipe(remote.stream);
  remote.stream.pipe(socket);
  socket.on("error", () => remote.stream.destroy());
  remote.stream.on("error", () => socket.destroy());
  // rsync's side gone first (it failed, say on a full disk): what the host still sends is dropped, so
  // its rsync is not left blocked on a write and reads the end of its input instead
  socket.once("close", () => {
    if (remote.stream.readableEnded) return;
    remote.stream.unpipe(socket);
    remote.stream.resume();
  });
  // a cancelled run closes the remote side too (rsync itself is killed by its spawn's signal)
  const cancel = () => remote.stream.destroy();
  signal.addEventListener("abort", cancel, { once: true });
  return remote.done.finally(() => signal.removeEventListener("abort", cancel));
}

/** The command rsync asked for (`rsync --server ...`), joined with spaces as ssh does. */
function remoteCommand(header: string, token: Buffer): string {
  let parsed: { token?: unknown; argv?: unknown };
  try {
    parsed = JSON.parse(header) as typeof parsed;
  } catch {
    throw new TsibleError("the rsync relay got a malformed request", { kind: "internal" });
  }
  const given = Buffer.from(typeof parsed.token === "string" ? parsed.token : "", "hex");
  if (given.length !== token.length || !timingSafeEqual(given, token)) {
    throw new TsibleError("the rsync relay refused a caller without its token", { kind: "internal" });
  }
  const argv = Array.isArray(parsed.argv)
    ? parsed.argv.filter((a): a is string => typeof a === "string")
    : [];
  // rsync runs `<rsh> [-l user] host command...`; we never give it a user
  const words = argv.slice(1);
  if (!words.includes("--server")) {
    throw new TsibleError(`the rsync relay refused to run ${JSON.stringify(words.join(" "))}`, {
      kind: "internal",
    });
  }
  return words.join(" ");
}

function readHeader(socket: Socket): Promise<{ header: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(0x0a);
      if (end < 0 && buffered.length < MAX_HEADER) return;
      cleanup();
      if (end < 0) return reject(new TsibleError("the rsync relay header is too long", { kind: "internal" }));
      socket.pause();
      resolve({ header: buffered.subarray(0, end).toString("utf8"), rest: buffered.subarray(end + 1) });
    };
    const onEnd = () => {
      cleanup();
      reject(new TsibleError("rsync closed the relay before asking for a command", { kind: "internal" }));
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", reject);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", reject);
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** rsync splits `--rsh` on spaces and honours single quotes. */
function quoteRsh(word: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}
