/** The per-host counters of Ansible's PLAY RECAP. */
export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/**
 * Ansible's recap line: host padded to 26 columns, then each counter as `name=N` padded to
 * 4 characters after the `=`, separated by single spaces (hence the trailing spaces).
 */
export function formatRecapLine(host: string, s: HostStats): string {
  const field = (name: string, n: number) => `${name}=${String(n).padEnd(4)}`;
  return `${host.padEnd(26)} : ${[
    field("ok", s.ok),
    field("changed", s.changed),
    field("unreachable", s.unreachable),
    field("failed", s.failed),
    field("skipped", s.skipped),
    field("rescued", s.rescued),
    field("ignored", s.ignored),
  ].join(" ")}`;
}
