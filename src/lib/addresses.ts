// Where requests that people's URLs point us to may go: the rules the poller (src/watch/fetch.ts) and the
// outbound webhooks (src/outbound/destination.ts) share. https only, no credentials in the URL, and never an
// address that is not public: loopback, private (RFC 1918, CGNAT, ULA), link-local, cloud metadata, multicast
// or reserved, whether written as an IP literal (the URL parser has already turned 0x7f.1, 2130706433 and the
// like into dotted quads, and IPv6 into its compressed form) or named (localhost, .local, .internal).

/** Why a URL is not an https URL without credentials, or null. */
export function checkHttpsUrl(url: URL): string | null {
  if (url.protocol !== "https:") return `${url.protocol} is not https`;
  if (url.username || url.password) return "credentials in URL";
  return null;
}

/** A URL's host without its trailing dot (`example.org.` names the same host), lowercased. */
export const normalizeHost = (hostname: string) => hostname.toLowerCase().replace(/\.$/, "");

/** True for a host written as an IPv4 or IPv6 literal (as the URL parser serializes it). */
export const isIpLiteral = (hostname: string) => hostname.startsWith("[") || /^[\d.]+$/.test(hostname);

/** 127.0.0.0/8, ::1 and localhost with its subdomains (RFC 6761): what only this machine reaches. */
export function isLoopbackHost(hostname: string): boolean {
  const host = normalizeHost(hostname);
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const ip = parseIp(host);
  return ip !== null && describeAddress(ip) === "loopback";
}

/** Names that never resolve to the public internet, or resolve through a local search domain. */
export function describeReservedName(hostname: string): string | null {
  const host = normalizeHost(hostname);
  if (host === "localhost" || host.endsWith(".localhost")) return "a loopback name";
  if (host === "metadata.google.internal") return "a cloud metadata name";
  if (host.endsWith(".local")) return "a multicast DNS (.local) name";
  if (host.endsWith(".internal") || host === "internal") return "an internal (.internal) name";
  if (!host.includes(".")) return "a single-label name";
  return null;
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address (brackets allowed), or null when it is not one. */
export function parseIp(text: string): number[] | null {
  const host = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return host.includes(":") ? parseIpv6(host) : parseIpv4(host);
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.map(Number);
}

function parseIpv6(text: string): number[] | null {
  const zone = text.indexOf("%");
  const host = zone === -1 ? text : text.slice(0, zone);
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const words = [...head, ...Array<number>(missing).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

type Range = { bytes: number[]; bits: number; label: string };
const range = (bytes: number[], bits: number, label: string): Range => ({ bytes, bits, label });

// Checked in order: the first that contains the address names it (the metadata address before link-local).
const V4_RANGES: Range[] = [
  range([169, 254, 169, 254], 32, "cloud metadata"),
  range([0], 8, "unspecified (0.0.0.0/8)"),
  range([10], 8, "private (10.0.0.0/8)"),
  range([100, 64], 10, "shared CGNAT (100.64.0.0/10)"),
  range([127], 8, "loopback"),
  range([169, 254], 16, "link-local (169.254.0.0/16)"),
  range([172, 16], 12, "private (172.16.0.0/12)"),
  range([192, 0, 0], 24, "reserved (192.0.0.0/24)"),
  range([192, 0, 2], 24, "documentation (192.0.2.0/24)"),
  range([192, 88, 99], 24, "reserved (192.88.99.0/24)"),
  range([192, 168], 16, "private (192.168.0.0/16)"),
  range([198, 18], 15, "benchmarking (198.18.0.0/15)"),
  range([198, 51, 100], 24, "documentation (198.51.100.0/24)"),
  range([203, 0, 113], 24, "documentation (203.0.113.0/24)"),
  range([224], 4, "multicast (224.0.0.0/4)"),
  range([240], 4, "reserved (240.0.0.0/4)"),
];

const V6_RANGES: Range[] = [
  range([...Array<number>(15).fill(0), 1], 128, "loopback"),
  range(Array<number>(16).fill(0), 128, "unspecified (::)"),
  range([0xfd, 0, 0x0e, 0xc2, ...Array<number>(10).fill(0), 0x02, 0x54], 128, "cloud metadata"),
  range([0, 0x64, 0xff, 0x9b, 0, 1], 48, "local-use NAT64 (64:ff9b:1::/48)"),
  range([0x01, 0, 0, 0, 0, 0, 0, 0], 64, "discard-only (100::/64)"),
  range([0x20, 0x01, 0, 0], 32, "Teredo (2001::/32)"),
  range([0x20, 0x01, 0x0d, 0xb8], 32, "documentation (2001:db8::/32)"),
  range([0xfc], 7, "unique local (fc00::/7)"),
  range([0xfe, 0x80], 10, "link-local (fe80::/10)"),
  range([0xfe, 0xc0], 10, "site-local (fec0::/10)"),
  range([0xff], 8, "multicast (ff00::/8)"),
];

function inRange(ip: number[], r: Range): boolean {
  for (let bit = 0; bit < r.bits; bit += 8) {
    const mask = r.bits - bit >= 8 ? 0xff : (0xff << (8 - (r.bits - bit))) & 0xff;
    if (((ip[bit / 8] ?? 0) & mask) !== ((r.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * What kind of address that is not public `ip` (4 or 16 bytes) is, or null for a public one. IPv6 forms that
 * carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are
 * judged by the IPv4 address they carry.
 */
export function describeAddress(ip: number[]): string | null {
  if (ip.length === 4) return V4_RANGES.find((r) => inRange(ip, r))?.label ?? null;
  const found = V6_RANGES.find((r) => inRange(ip, r));
  if (found) return found.label;
  const zeros = (from: number, to: number) => ip.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && ip[10] === 0xff && ip[11] === 0xff) return describeAddress(ip.slice(12));
  if (zeros(0, 12)) return describeAddress(ip.slice(12));
  if (ip[0] === 0 && ip[1] === 0x64 && ip[2] === 0xff && ip[3] === 0x9b && zeros(4, 12)) {
    return describeAddress(ip.slice(12));
  }
  if (ip[0] === 0x20 && ip[1] === 0x02) return describeAddress(ip.slice(2, 6));
  return null;
}
