/**
 * Ansible's `parse_address`: splits an optional `:port` off a host name or IP address (which may
 * contain `[x:y]` ranges) and says whether what is left is a valid host identifier.
 */

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_PART = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_PART = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;
const LABEL = `(?:${WORD_CHAR}|${ALNUM_RANGE})(?:[\\p{L}\\p{N}_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(`^(?:${IPV4_PART}\\.){3}${IPV4_PART}$`, "i");
const IPV6 = new RegExp(
  `^(?:${[
    `(?:${IPV6_PART}:){7}${IPV6_PART}`,
    `(?:${IPV6_PART}:){1,6}:`,
    `(?:${IPV6_PART}:)(?::${IPV6_PART}){1,6}`,
    `(?:${IPV6_PART}:){2}(?::${IPV6_PART}){1,5}`,
    `(?:${IPV6_PART}:){3}(?::${IPV6_PART}){1,4}`,
    `(?:${IPV6_PART}:){4}(?::${IPV6_PART}){1,3}`,
    `(?:${IPV6_PART}:){5}(?::${IPV6_PART}){1,2}`,
    `(?:${IPV6_PART}:){6}(?::${IPV6_PART})`,
    `:(?::${IPV6_PART}){1,6}`,
    `${IPV6_PART}?::`,
    `(?:0:){6}(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
    `::(?:ffff:)?(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
    `(?:0:){5}ffff:(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
  ].join("|")})$`,
  "i",
);
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, "iu");

export interface ParsedAddress {
  host: string;
  port: number | undefined;
}

/** Returns the host and port, or undefined when `address` is not a valid host identifier. */
export function parseAddress(address: string, allowRanges: boolean): ParsedAddress | undefined {
  let host = address;
  let port: number | undefined;
  for (const pattern of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = pattern.exec(host);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!IPV4.test(host) && !IPV6.test(host) && !HOSTNAME.test(host)) return undefined;
  if (!allowRanges && host.includes("[")) return undefined;
  return { host, port };
}

/** The host names and port a host key of an inventory stands for (`web[1:3]:2222`). */
export function splitHostPattern(pattern: string): ParsedAddress {
  return parseAddress(pattern, true) ?? { host: pattern, port: undefined };
}
