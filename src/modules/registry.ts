import { archive } from "./archive.js";
import { assertModule } from "./assert.js";
import { commandModule } from "./command.js";
import { copyModule } from "./copy.js";
import { debugModule } from "./debug.js";
import { dockerCompose } from "./docker_compose.js";
import { dockerLogin } from "./docker_login.js";
import { dockerNetwork } from "./docker_network.js";
import { dockerVolume } from "./docker_volume.js";
import { failModule } from "./fail.js";
import { fileModule } from "./file.js";
import { lineinfileModule } from "./lineinfile.js";
import { mkcert } from "./mkcert.js";
import { rsyncModule } from "./rsync.js";
import { setFactModule } from "./set_fact.js";
import { shellModule } from "./shell.js";
import { statModule } from "./stat.js";
import { templateModule } from "./template.js";
import { tlsCheck } from "./tls_check.js";
import type { AnyModule } from "./types.js";
import { unarchive } from "./unarchive.js";
import { uri } from "./uri.js";
import { waitFor } from "./wait_for.js";

/** Every module tsible knows. Adding a module is one file and one line here. */
const all: AnyModule[] = [
  assertModule,
  commandModule,
  copyModule,
  debugModule,
  failModule,
  fileModule,
  lineinfileModule,
  setFactModule,
  shellModule,
  statModule,
  templateModule,
  // deployment modules
  archive,
  dockerCompose,
  dockerLogin,
  dockerNetwork,
  dockerVolume,
  mkcert,
  rsyncModule,
  tlsCheck,
  unarchive,
  uri,
  waitFor,
];

const byName = new Map<string, AnyModule>();
for (const mod of all) {
  for (const name of [mod.name, ...(mod.aliases ?? [])]) byName.set(name, mod);
}

/** Collection prefixes that name the same modules (`ansible.builtin.copy` is `copy`). */
const prefixes = [
  "ansible.builtin.",
  "ansible.legacy.",
  "ansible.posix.",
  "community.general.",
  "community.docker.",
  "community.crypto.",
];

export function findModule(name: string): AnyModule | undefined {
  const direct = byName.get(name);
  if (direct) return direct;
  for (const prefix of prefixes) {
    if (name.startsWith(prefix)) return byName.get(name.slice(prefix.length));
  }
  return undefined;
}

export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}
