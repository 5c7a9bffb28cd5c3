/** The check-mode aware file view of a host (DESIGN.md §4); filled in by the core-modules work. */
export type HostFiles = Record<string, never>;
