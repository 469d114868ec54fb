// Where an outbound webhook may be sent. An endpoint URL is checked when it is registered or changed
// (`checkEndpointUrl`: https, no credentials, no reserved name, no IP literal that is not public) and again at
// every send (`checkDestination`), which also resolves the host's A and AAAA records over DNS-over-HTTPS and
// refuses it when any answer is not a public address (src/lib/addresses.ts).
//
// The limit of this check: the runtime's fetch resolves the name again, so a name whose owner flips it between
// the two lookups (DNS rebinding with a zero TTL) could still reach a private address. On Cloudflare a Worker's
// subrequests leave through Cloudflare's network, which does not route to a customer's private ranges, so what
// this check adds there is refusing the obvious (metadata names, private literals) and saying why.
import {
  checkHttpsUrl,
  describeAddress,
  describeReservedName,
  isIpLiteral,
  isLoopbackHost,
  normalizeHost,
  parseIp,
} from "../lib/addresses.ts";

export const MAX_ENDPOINT_URL_CHARS = 2048;
export const DOH_URL = "https://cloudflare-dns.com/dns-query";
const DOH_TIMEOUT_MS = 5_000;
/** DNS record types (RFC 1035, RFC 3596). */
const A = 1;
const AAAA = 28;

export type DestinationOptions = {
  /** OUTBOUND_ALLOW_LOOPBACK in development: http(s) endpoints on 127.0.0.1, [::1] or localhost are allowed. */
  allowLoopback: boolean;
};

/** Why `text` may not be an endpoint URL, or null when it may (at registration; the send checks again). */
export function checkEndpointUrl(text: string, options: DestinationOptions): string | null {
  if (text.length > MAX_ENDPOINT_URL_CHARS) return `longer than ${MAX_ENDPOINT_URL_CHARS} characters`;
  const url = URL.parse(text);
  if (!url) return "not a URL";
  if (options.allowLoopback && isLoopbackHost(url.hostname) && ["http:", "https:"].includes(url.protocol)) {
    return url.username || url.password ? "credentials in URL" : null;
  }
  const refusal = checkHttpsUrl(url);
  if (refusal) return refusal;
  const host = normalizeHost(url.hostname);
  if (isIpLiteral(host)) {
    const ip = parseIp(host);
    if (!ip) return `host ${host} is not an address`;
    const kind = describeAddress(ip);
    return kind ? `host ${host} is not public: ${kind}` : null;
  }
  const reserved = describeReservedName(host);
  return reserved ? `host ${host} is ${reserved}` : null;
}

type DohAnswer = { Status?: number; Answer?: { type: number; data: string }[] };

/** The A or AAAA addresses of `host`, as the resolver answered them; throws when it could not answer. */
async function resolveAddresses(host: string, type: typeof A | typeof AAAA): Promise<string[]> {
  const url = `${DOH_URL}?name=${encodeURIComponent(host)}&type=${type === A ? "A" : "AAAA"}`;
  const res = await fetch(url, {
    headers: { accept: "application/dns-json" },
    signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`DNS-over-HTTPS answered ${res.status}`);
  }
  const answer = await res.json<DohAnswer>();
  // 3 is NXDOMAIN: the name does not exist, which is an answer (no addresses), not a resolver failure.
  if (answer.Status !== 0 && answer.Status !== 3) throw new Error(`DNS-over-HTTPS status ${answer.Status}`);
  // CNAME records come before the addresses they lead to; only the addresses are where the request goes.
  return (answer.Answer ?? []).filter((a) => a.type === type).map((a) => a.data);
}

/**
 * Why a delivery may not be sent to `text` now, or null when it may: the registration rules again (the rules
 * may have tightened since), then every address the host resolves to must be public.
 */
export async function checkDestination(text: string, options: DestinationOptions): Promise<string | null> {
  const refusal = checkEndpointUrl(text, options);
  if (refusal) return refusal;
  const url = new URL(text);
  const host = normalizeHost(url.hostname);
  if (isIpLiteral(host) || (options.allowLoopback && isLoopbackHost(host))) return null;
  let addresses: string[];
  try {
    addresses = (await Promise.all([resolveAddresses(host, A), resolveAddresses(host, AAAA)])).flat();
  } catch (err) {
    return `could not resolve ${host}: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (addresses.length === 0) return `${host} does not resolve`;
  for (const address of addresses) {
    const ip = parseIp(address);
    if (!ip) return `${host} resolves to ${address}, which is not an address`;
    const kind = describeAddress(ip);
    if (kind) return `${host} resolves to ${address}, which is not public: ${kind}`;
  }
  return null;
}
