/**
 * The floor a task cannot go below: one bare exec round trip and one SFTP stat on one ssh2
 * connection opened with tsible's own connection code (dist/connection/ssh).
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { medianOf, round } from "./stats.mjs";

export async function measureFloor(root, sshd, user, samples = 200) {
  const { openSsh } = await import(pathToFileURL(join(root, "dist/connection/ssh/index.js")).href);
  const conn = await openSsh({
    host: sshd.host,
    port: sshd.port,
    user,
    privateKeys: [sshd.clientKey],
    agent: false,
    knownHostsFiles: [sshd.knownHosts],
  });
  try {
    await conn.exec("true"); // warm up: the first channel and the SFTP subsystem
    await conn.files.stat("/");
    const execMs = await medianOf(samples, () => conn.exec("true"));
    const statMs = await medianOf(samples, () => conn.files.stat("/"));
    return {
      samples,
      execMs: round(execMs, 3),
      sftpStatMs: round(statMs, 3),
      floorMs: round(execMs + statMs, 3),
    };
  } finally {
    await conn.close();
  }
}
