import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { dockerCli, TEST_IMAGE } from "../helpers/docker.js";
import type { Sshd } from "../helpers/sshd.js";

/**
 * The VPS as it is before the migration, built for real under a temp folder: a clone of the
 * repository whose compose files use relative paths, uploads with odd names, links and modes, a
 * 0600 acme.json, and the three legacy stacks running on the busybox stand-in image with data
 * written into the PostgreSQL named volumes from inside the database containers.
 */

export interface LegacyNames {
  /** Compose project names, shared by the legacy and the new stacks. */
  infra: string;
  ems: string;
  sms: string;
}

export const SLEEP = ["sleep", "3600"];

/** The inventory variables of a host reached as root over the test sshd: the VPS stand-in. */
export function rootOverSsh(sshd: Sshd): Record<string, string | number> {
  return {
    ansible_host: sshd.host,
    ansible_port: sshd.port,
    ansible_user: "root",
    ansible_ssh_private_key_file: sshd.clientKey,
    ansible_ssh_common_args: `-o UserKnownHostsFile=${sshd.knownHosts}`,
  };
}

/** Uploads with the names and modes that break naive scripts. */
export const ODD_UPLOADS: Array<{ path: string; content: string; mode: number }> = [
  { path: "ems/2024/relatório final (v2).pdf", content: "pdf bytes\n", mode: 0o644 },
  { path: "ems/2024/-starts-with-dash.txt", content: "dash\n", mode: 0o640 },
  { path: 'ems/it\'s "quoted" $HOME `x`.txt', content: "quotes\n", mode: 0o600 },
  { path: "ems/line\nbreak.txt", content: "newline in the name\n", mode: 0o644 },
  { path: "ems/trailing space ", content: "space\n", mode: 0o644 },
  { path: "sms/ação ñ 日本.csv", content: "a,b\n1,2\n", mode: 0o664 },
  { path: "sms/.hidden", content: "hidden\n", mode: 0o400 },
  { path: "sms/empty.bin", content: "", mode: 0o644 },
];

/** What each legacy database container writes into its named volume. */
export const VOLUME_DATA = "PG_VERSION 16 (written by the legacy stack)";

function write(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  chmodSync(path, mode);
}

function infraCompose(): string {
  return `version: "3.7"
services:
  traefik:
    image: ${TEST_IMAGE}
    entrypoint: ["/bin/sh", "-c", "exec sleep 3600", "traefik"]
    network_mode: none
    stop_grace_period: 1s
    volumes:
      - ./letsencrypt:/letsencrypt
`;
}

function appCompose(): string {
  return `version: "3.7"
services:
  api:
    image: ${TEST_IMAGE}
    command: ${JSON.stringify(SLEEP)}
    network_mode: none
    stop_grace_period: 1s
    env_file: .env
    volumes:
      - \${UPLOADS_HOST_PATH}:/app/uploads
      - \${LOGS_HOST_PATH}:/app/logs
  db:
    image: ${TEST_IMAGE}
    command: ${JSON.stringify(SLEEP)}
    network_mode: none
    stop_grace_period: 1s
    volumes:
      - postgres_data:/var/lib/postgresql/data
volumes:
  postgres_data:
`;
}

/** Runs compose v1 in a legacy stack folder, as the operator did by hand. */
export function legacyCompose(dir: string, file: string, project: string, args: string[]): void {
  execFileSync("docker-compose", ["-p", project, "-f", file, ...args], { cwd: dir, stdio: "pipe" });
}

export function buildLegacyVps(legacy: string, names: LegacyNames, domains: string[]): void {
  const infra = join(legacy, "servers/infra");
  write(join(infra, "docker-compose.yml"), infraCompose());
  const acme = {
    letsencrypt: {
      Account: { Email: "admin@example.com" },
      Certificates: domains.map((main) => ({ domain: { main }, certificate: "Y2VydA==", key: "a2V5" })),
    },
  };
  write(join(infra, "letsencrypt/acme.json"), `${JSON.stringify(acme, null, 2)}\n`, 0o600);
  chmodSync(join(infra, "letsencrypt"), 0o700);
  for (const app of ["ems", "sms"] as const) {
    const dir = join(legacy, "servers", app, "container");
    write(join(dir, "docker-compose.prod.yml"), appCompose());
    write(
      join(dir, ".env"),
      `UPLOADS_HOST_PATH=../../../uploads\nLOGS_HOST_PATH=../../../logs\nPOSTGRES_PASSWORD=e2e-${app}-db\n`,
      0o600,
    );
  }
  write(join(legacy, "servers/ems/container/init.sql"), "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n");
  write(join(legacy, "apps/ems_server/lib/main.dart"), "void main() {}\n");
  for (const upload of ODD_UPLOADS) write(join(legacy, "uploads", upload.path), upload.content, upload.mode);
  symlinkSync("2024/relatório final (v2).pdf", join(legacy, "uploads/ems/latest.pdf"));
  symlinkSync("does-not-exist", join(legacy, "uploads/sms/dangling"));
  write(join(legacy, "logs/api.log"), "started\n");

  legacyCompose(infra, "docker-compose.yml", names.infra, ["up", "-d"]);
  for (const app of ["ems", "sms"] as const) {
    const dir = join(legacy, "servers", app, "container");
    legacyCompose(dir, "docker-compose.prod.yml", names[app], ["up", "-d"]);
    const db = dbContainer(names[app]);
    dockerCli(["exec", db, "sh", "-c", `echo '${VOLUME_DATA} ${app}' > /var/lib/postgresql/data/PG_VERSION`]);
  }
}

/** The running container of a compose service, or "" when there is none. */
export function serviceContainer(project: string, service: string): string {
  return dockerCli([
    "ps",
    "-q",
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--filter",
    `label=com.docker.compose.service=${service}`,
    "--filter",
    "status=running",
  ]);
}

export function dbContainer(project: string): string {
  return serviceContainer(project, "db");
}

/** Where a running stack's compose file lives (compose records it on the containers). */
export function workingDir(container: string): string {
  return dockerCli([
    "inspect",
    "-f",
    '{{ index .Config.Labels "com.docker.compose.project.working_dir" }}',
    container,
  ]);
}

/** The named volume mounted at `destination` in a container. */
export function volumeAt(container: string, destination: string): string {
  const mounts = JSON.parse(dockerCli(["inspect", "-f", "{{ json .Mounts }}", container])) as Array<{
    Name?: string;
    Source: string;
    Destination: string;
  }>;
  const mount = mounts.find((m) => m.Destination === destination);
  return mount?.Name ?? mount?.Source ?? "";
}
