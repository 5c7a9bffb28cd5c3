/** The `ansible_*` variables of a host, rendered: what a connection is opened from. */
export function connectionVars(vars: {
  names(): string[];
  get(name: string): unknown;
}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of vars.names()) {
    if (name.startsWith("ansible_") && name !== "ansible_facts") out[name] = vars.get(name);
  }
  return out;
}
