/**
 * Reads what `docker compose` (v2) and `docker-compose` (v1) print while they work, into one list of
 * events. Only for reporting: whether anything changed is decided from the containers themselves.
 */

export type ComposeEventKind = "container" | "network" | "volume" | "image" | "service";

export interface ComposeEvent {
  kind: ComposeEventKind;
  name: string;
  /** v2's words (Created, Recreated, Started, Running, Stopped, Removed, Pulled, Error...); v1's are mapped to them. */
  status: string;
  /** An error or warning message attached to the event. */
  message?: string;
}

const V2_RESOURCE = /^(Container|Network|Volume|Image)\s+("[^"]*"|\S+)\s+(.*)$/;
/** Service-level lines (pulls) name the service alone: ` web Pulling `. */
const V2_SERVICE =
  /^(\S+)\s+(Pulling|Pulled|Skipped|Waiting|Warning|Error|Interrupted|Built|Building)\s*(.*)$/;
const DRY_RUN = /^DRY-RUN MODE -\s+/;
const V2_FINAL_WITH_MESSAGE = /^(Error|Warning)\s+(.*)$/;

/** Parses the plain (non-TTY) progress lines of Compose v2 (stderr). */
export function parseComposeV2Events(stderr: string): ComposeEvent[] {
  const events: ComposeEvent[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim().replace(DRY_RUN, "");
    if (line === "") continue;
    const resource = V2_RESOURCE.exec(line);
    if (resource) {
      const [, kind, name, rest] = resource as unknown as [string, string, string, string];
      events.push({
        kind: kind.toLowerCase() as ComposeEventKind,
        name: unquote(name),
        ...statusOf(rest.trim()),
      });
      continue;
    }
    const service = V2_SERVICE.exec(line);
    if (service) {
      const [, name, status, message] = service as unknown as [string, string, string, string];
      events.push({ kind: "service", name, status, ...(message.trim() ? { message: message.trim() } : {}) });
    }
  }
  return events;
}

function statusOf(text: string): { status: string; message?: string } {
  const withMessage = V2_FINAL_WITH_MESSAGE.exec(text);
  if (withMessage) return { status: withMessage[1]!, message: withMessage[2]! };
  // a status word alone, or a sentence compose prints instead ("Resource is still in use")
  if (/^[A-Z][a-z]+$/.test(text)) return { status: text };
  return { status: "Warning", message: text };
}

const V1_PROGRESS =
  /^(Creating|Recreating|Starting|Stopping|Removing|Restarting|Killing|Pulling|Pausing)\s+(\S+)\s+\.\.\.\s*(done|error)?\s*(.*)$/;
const V1_RESOURCE = /^(Creating|Removing) (network|volume) "?([^"\s]+)"?/;
const V1_UP_TO_DATE = /^(\S+) is up-to-date$/;

const V1_DONE: Record<string, string> = {
  Creating: "Created",
  Recreating: "Recreated",
  Starting: "Started",
  Stopping: "Stopped",
  Removing: "Removed",
  Restarting: "Restarted",
  Killing: "Killed",
  Pulling: "Pulled",
  Pausing: "Paused",
};

/** Parses what docker-compose 1.x prints (stderr; progress lines end with `\r` when not on a terminal). */
export function parseComposeV1Events(stderr: string): ComposeEvent[] {
  const latest = new Map<string, ComposeEvent>();
  for (const raw of stderr.split(/\r?\n|\r/)) {
    const line = raw.trim();
    const resource = V1_RESOURCE.exec(line);
    if (resource) {
      const [, verb, kind, name] = resource as unknown as [string, string, "network" | "volume", string];
      latest.set(`${kind}/${name}`, { kind, name, status: V1_DONE[verb]! });
      continue;
    }
    const progress = V1_PROGRESS.exec(line);
    if (progress) {
      const [, verb, name, outcome, message] = progress as unknown as [
        string,
        string,
        string,
        string | undefined,
        string,
      ];
      // every progress line is printed twice: `Creating x ...` then `Creating x ... done`
      if (outcome === undefined && latest.has(`container/${name}`)) continue;
      const kind: ComposeEventKind = verb === "Pulling" ? "service" : "container";
      const status = outcome === "error" ? "Error" : outcome === "done" ? V1_DONE[verb]! : verb;
      latest.set(`${kind}/${name}`, {
        kind,
        name,
        status,
        ...(message.trim() ? { message: message.trim() } : {}),
      });
      continue;
    }
    const upToDate = V1_UP_TO_DATE.exec(line);
    if (upToDate)
      latest.set(`container/${upToDate[1]}`, { kind: "container", name: upToDate[1]!, status: "Running" });
  }
  return [...latest.values()];
}

function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name;
}
