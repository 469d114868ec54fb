// What the outbound webhook tests share: endpoints registered through the admin API, and a fake internet behind
// `vi.spyOn(globalThis, "fetch")`: DNS-over-HTTPS answers from a table (public addresses unless told), and each
// endpoint URL answered by the test's own function, every request it receives recorded (URL, headers, body) so
// that a test can verify it with the `standardwebhooks` library as a real receiver would.
import { vi } from "vitest";
import { Webhook } from "standardwebhooks";
import { DOH_URL } from "../../src/outbound/destination.ts";
import { sendAdmin } from "./http.ts";

export const HOOKS_PATH = "/api/admin/webhooks/endpoints";
export const PUBLIC_V4 = "93.184.215.14";
export const PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c";

export type Received = { url: string; headers: Record<string, string>; body: string; redirect: string };
export type Answer = Response | Error | ((req: Received) => Response | Promise<Response> | Error);

export type FakeInternet = {
  /** Requests that reached an endpoint (not DNS), in order. */
  received: Received[];
  /** DNS questions asked, as "host A" / "host AAAA". */
  lookups: string[];
  /** What `host` resolves to (both types by their form); unset hosts resolve to PUBLIC_V4 and PUBLIC_V6. */
  resolve(host: string, addresses: string[]): void;
  /** How endpoint URLs starting with `prefix` answer from now on (a Response is cloned per request). */
  answer(prefix: string, answer: Answer): void;
};

/** Installs the fake internet for the rest of the test (vi.restoreAllMocks ends it). */
export function fakeInternet(): FakeInternet {
  const zones = new Map<string, string[]>();
  const answers: [string, Answer][] = [];
  const net: FakeInternet = {
    received: [],
    lookups: [],
    resolve: (host, addresses) => void zones.set(host, addresses),
    answer: (prefix, answer) => void answers.unshift([prefix, answer]),
  };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (request.url.startsWith(DOH_URL)) {
      const url = new URL(request.url);
      const host = url.searchParams.get("name")!;
      const type = url.searchParams.get("type")!;
      net.lookups.push(`${host} ${type}`);
      const all = zones.get(host) ?? [PUBLIC_V4, PUBLIC_V6];
      const data = all.filter((a) => (type === "AAAA" ? a.includes(":") : !a.includes(":")));
      return Response.json({ Status: 0, Answer: data.map((d) => ({ type: type === "AAAA" ? 28 : 1, data: d })) });
    }
    // Anything else (the cron's poller, a pad host) is not an endpoint: refused, like the test setup's guard.
    const found = answers.find(([prefix]) => request.url.startsWith(prefix));
    if (!found) throw new Error(`test tried to reach the network: ${request.url}`);
    const received: Received = {
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
      redirect: request.redirect,
    };
    net.received.push(received);
    const answer = typeof found[1] === "function" ? await found[1](received) : found[1];
    if (answer instanceof Error) throw answer;
    return answer.clone();
  });
  return net;
}

export type Registered = { id: string; secret: string };

/** Registers an endpoint through the admin API; fails the test unless it answers 201. */
export async function registerEndpoint(body: Record<string, unknown>): Promise<Registered> {
  const res = await sendAdmin("POST", HOOKS_PATH, body);
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
  return res.json<Registered>();
}

/** What a receiver using the reference library gets from a request signed with `secret`; throws when it fails. */
export function verifyReceived(secret: string, req: Received): unknown {
  return new Webhook(secret).verify(req.body, req.headers);
}
