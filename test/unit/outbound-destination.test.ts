// Where an outbound webhook may go (src/outbound/destination.ts, src/lib/addresses.ts): https only, no
// credentials, no reserved names, and no IP literal that is not public, in every spelling the URL parser
// accepts; DNS-over-HTTPS answers are held to the same rules. And the retry policy (src/outbound/policy.ts).
import { afterEach, describe, expect, it, vi } from "vitest";
import { describeAddress, parseIp } from "../../src/lib/addresses.ts";
import { DOH_URL, checkDestination, checkEndpointUrl } from "../../src/outbound/destination.ts";
import { RETRY_SCHEDULE_SECONDS, decideAttempt, parseRetryAfter } from "../../src/outbound/policy.ts";

const strict = { allowLoopback: false };
const loose = { allowLoopback: true };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("an endpoint URL", () => {
  it.each([
    ["http://hooks.example.org/x", "http: is not https"],
    ["ftp://hooks.example.org/x", "ftp: is not https"],
    ["https://user:pass@hooks.example.org/x", "credentials in URL"],
    ["https://token@hooks.example.org/x", "credentials in URL"],
    ["not a url", "not a URL"],
    // Loopback, every spelling the URL parser turns into 127.0.0.1 or ::1.
    ["https://127.0.0.1/", "host 127.0.0.1 is not public: loopback"],
    ["https://127.1/", "host 127.0.0.1 is not public: loopback"],
    ["https://0x7f.0.0.1/", "host 127.0.0.1 is not public: loopback"],
    ["https://0x7f000001/", "host 127.0.0.1 is not public: loopback"],
    ["https://2130706433/", "host 127.0.0.1 is not public: loopback"],
    ["https://017700000001/", "host 127.0.0.1 is not public: loopback"],
    ["https://0177.0.0.1/", "host 127.0.0.1 is not public: loopback"],
    ["https://127.0.0.1./", "host 127.0.0.1 is not public: loopback"],
    ["https://[::1]/", "host [::1] is not public: loopback"],
    ["https://[0:0:0:0:0:0:0:1]/", "host [::1] is not public: loopback"],
    ["https://[::ffff:127.0.0.1]/", "host [::ffff:7f00:1] is not public: loopback"],
    ["https://[::127.0.0.1]/", "host [::7f00:1] is not public: loopback"],
    ["https://[64:ff9b::127.0.0.1]/", "host [64:ff9b::7f00:1] is not public: loopback"],
    ["https://[2002:7f00:1::]/", "host [2002:7f00:1::] is not public: loopback"],
    ["https://0.0.0.0/", "host 0.0.0.0 is not public: unspecified (0.0.0.0/8)"],
    ["https://0/", "host 0.0.0.0 is not public: unspecified (0.0.0.0/8)"],
    ["https://[::]/", "host [::] is not public: unspecified (::)"],
    // Private, shared, link-local and metadata.
    ["https://10.1.2.3/", "host 10.1.2.3 is not public: private (10.0.0.0/8)"],
    ["https://172.16.0.1/", "host 172.16.0.1 is not public: private (172.16.0.0/12)"],
    ["https://172.31.255.255/", "host 172.31.255.255 is not public: private (172.16.0.0/12)"],
    ["https://192.168.1.1/", "host 192.168.1.1 is not public: private (192.168.0.0/16)"],
    ["https://0xc0a80101/", "host 192.168.1.1 is not public: private (192.168.0.0/16)"],
    ["https://100.64.0.1/", "host 100.64.0.1 is not public: shared CGNAT (100.64.0.0/10)"],
    ["https://100.127.255.254/", "host 100.127.255.254 is not public: shared CGNAT (100.64.0.0/10)"],
    ["https://169.254.1.1/", "host 169.254.1.1 is not public: link-local (169.254.0.0/16)"],
    ["https://169.254.169.254/latest", "host 169.254.169.254 is not public: cloud metadata"],
    ["https://[::ffff:169.254.169.254]/", "host [::ffff:a9fe:a9fe] is not public: cloud metadata"],
    ["https://[fd00:ec2::254]/", "host [fd00:ec2::254] is not public: cloud metadata"],
    ["https://[fc00::1]/", "host [fc00::1] is not public: unique local (fc00::/7)"],
    ["https://[fdff:ffff::1]/", "host [fdff:ffff::1] is not public: unique local (fc00::/7)"],
    ["https://[fe80::1]/", "host [fe80::1] is not public: link-local (fe80::/10)"],
    ["https://[febf::1]/", "host [febf::1] is not public: link-local (fe80::/10)"],
    ["https://[::ffff:10.0.0.1]/", "host [::ffff:a00:1] is not public: private (10.0.0.0/8)"],
    ["https://224.0.0.1/", "host 224.0.0.1 is not public: multicast (224.0.0.0/4)"],
    ["https://255.255.255.255/", "host 255.255.255.255 is not public: reserved (240.0.0.0/4)"],
    ["https://[ff02::1]/", "host [ff02::1] is not public: multicast (ff00::/8)"],
    // Names that never reach the public internet.
    ["https://localhost/", "host localhost is a loopback name"],
    ["https://LOCALHOST./", "host localhost is a loopback name"],
    ["https://api.localhost/", "host api.localhost is a loopback name"],
    ["https://printer.local/", "host printer.local is a multicast DNS (.local) name"],
    ["https://metadata.google.internal/computeMetadata/v1/", "host metadata.google.internal is a cloud metadata name"],
    ["https://db.corp.internal/", "host db.corp.internal is an internal (.internal) name"],
    ["https://intranet/", "host intranet is a single-label name"],
  ])("refuses %s", (url, reason) => {
    expect(checkEndpointUrl(url, strict)).toBe(reason);
  });

  it.each([
    "https://hooks.example.org/sessionwire?room=1",
    "https://93.184.215.14/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://172.32.0.1/",
    "https://100.128.0.1/",
    "https://hooks.example.org:8443/",
  ])("accepts %s", (url) => {
    expect(checkEndpointUrl(url, strict)).toBeNull();
  });

  it("allows http(s) on loopback only with OUTBOUND_ALLOW_LOOPBACK, and never other private addresses", () => {
    for (const url of ["http://127.0.0.1:8788/hook", "https://localhost/hook", "http://[::1]:9/"]) {
      expect(checkEndpointUrl(url, loose), url).toBeNull();
      expect(checkEndpointUrl(url, strict), url).not.toBeNull();
    }
    expect(checkEndpointUrl("http://10.0.0.1/", loose)).toBe("http: is not https");
    expect(checkEndpointUrl("https://10.0.0.1/", loose)).toBe("host 10.0.0.1 is not public: private (10.0.0.0/8)");
    expect(checkEndpointUrl("http://user:pw@127.0.0.1/", loose)).toBe("credentials in URL");
  });

  it("reads IPv6 with embedded IPv4, and refuses what is not an address", () => {
    expect(parseIp("::ffff:1.2.3.4")).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect(parseIp("1::2::3")).toBeNull();
    expect(parseIp("1.2.3.256")).toBeNull();
    expect(describeAddress(parseIp("8.8.8.8")!)).toBeNull();
    expect(describeAddress(parseIp("2001:db8::1")!)).toBe("documentation (2001:db8::/32)");
  });
});

describe("the destination at send time", () => {
  /** DNS-over-HTTPS answering from a table; records what was asked and how. */
  function fakeDoh(zone: Record<string, { A?: string[]; AAAA?: string[]; status?: number }>) {
    const asked: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input, init);
      expect(req.url.startsWith(DOH_URL)).toBe(true);
      expect(req.headers.get("accept")).toBe("application/dns-json");
      const url = new URL(req.url);
      const name = url.searchParams.get("name")!;
      const type = url.searchParams.get("type") as "A" | "AAAA";
      asked.push(`${name} ${type}`);
      const entry = zone[name];
      if (!entry) return Response.json({ Status: 3 });
      const cname = { type: 5, data: "alias.example.net." };
      const answers = (entry[type] ?? []).map((data) => ({ type: type === "A" ? 1 : 28, data }));
      return Response.json({ Status: entry.status ?? 0, Answer: [cname, ...answers] });
    });
    return asked;
  }

  it("resolves A and AAAA and allows a host whose every address is public", async () => {
    const asked = fakeDoh({ "hooks.example.org": { A: ["93.184.215.14"], AAAA: ["2606:2800:21f::1"] } });
    expect(await checkDestination("https://hooks.example.org/x", strict)).toBeNull();
    expect(asked.sort()).toEqual(["hooks.example.org A", "hooks.example.org AAAA"]);
  });

  it.each([
    [{ A: ["10.0.0.7"] }, "hooks.example.org resolves to 10.0.0.7, which is not public: private (10.0.0.0/8)"],
    [{ A: ["127.0.0.1"] }, "hooks.example.org resolves to 127.0.0.1, which is not public: loopback"],
    [{ A: ["169.254.169.254"] }, "hooks.example.org resolves to 169.254.169.254, which is not public: cloud metadata"],
    [
      { A: ["100.64.1.1"] },
      "hooks.example.org resolves to 100.64.1.1, which is not public: shared CGNAT (100.64.0.0/10)",
    ],
    [{ AAAA: ["fd00:ec2::254"] }, "hooks.example.org resolves to fd00:ec2::254, which is not public: cloud metadata"],
    [
      { AAAA: ["::ffff:192.168.0.1"] },
      "hooks.example.org resolves to ::ffff:192.168.0.1, which is not public: private (192.168.0.0/16)",
    ],
    [{ AAAA: ["fe80::1"] }, "hooks.example.org resolves to fe80::1, which is not public: link-local (fe80::/10)"],
    // One private answer among public ones is enough to refuse (the runtime may pick any of them).
    [
      { A: ["93.184.215.14", "192.168.0.9"] },
      "hooks.example.org resolves to 192.168.0.9, which is not public: private (192.168.0.0/16)",
    ],
    [{}, "hooks.example.org does not resolve"],
    [{ status: 2 }, "could not resolve hooks.example.org: DNS-over-HTTPS status 2"],
  ])("refuses a host that resolves to %j", async (entry, reason) => {
    fakeDoh({ "hooks.example.org": entry });
    expect(await checkDestination("https://hooks.example.org/x", strict)).toBe(reason);
  });

  it("refuses a name that does not exist, and one whose resolver fails", async () => {
    fakeDoh({});
    expect(await checkDestination("https://nowhere.example.org/", strict)).toBe("nowhere.example.org does not resolve");
    vi.restoreAllMocks();
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("no", { status: 502 }));
    expect(await checkDestination("https://hooks.example.org/", strict)).toBe(
      "could not resolve hooks.example.org: DNS-over-HTTPS answered 502",
    );
  });

  it("checks the URL rules again, and asks no resolver for an IP literal or an allowed loopback host", async () => {
    const asked = fakeDoh({});
    expect(await checkDestination("https://10.0.0.1/", strict)).toBe(
      "host 10.0.0.1 is not public: private (10.0.0.0/8)",
    );
    expect(await checkDestination("https://93.184.215.14/", strict)).toBeNull();
    expect(await checkDestination("http://127.0.0.1:9/", loose)).toBeNull();
    expect(await checkDestination("http://localhost:9/", loose)).toBeNull();
    expect(await checkDestination("http://127.0.0.1:9/", strict)).toBe("http: is not https");
    expect(asked).toEqual([]);
  });
});

describe("the retry policy", () => {
  const T0 = new Date("2026-11-27T10:00:00Z");
  const later = (s: number) => new Date(T0.getTime() + s * 1000);
  const failed = { status: 500, retryAfterSeconds: null };

  it("waits 5 s, 5 min, 30 min, 2 h, 5 h and 10 h, then gives up", () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([5, 300, 1800, 7200, 18000, 36000]);
    const waits = [1, 2, 3, 4, 5, 6].map((n) => {
      const d = decideAttempt(failed, n, T0.toISOString(), T0).delivery;
      return d.status === "pending" ? (d.nextAttemptAt.getTime() - T0.getTime()) / 1000 : d.status;
    });
    expect(waits).toEqual([5, 300, 1800, 7200, 18000, 36000]);
    expect(decideAttempt(failed, 7, null, T0).delivery).toEqual({ status: "failed" });
    expect(decideAttempt({ status: 204, retryAfterSeconds: null }, 7, T0.toISOString(), T0)).toEqual({
      delivery: { status: "delivered" },
      endpoint: { failingSince: null, disable: null },
    });
  });

  it("treats 3xx, 4xx and no answer as failures, and 410 as the end of the endpoint", () => {
    for (const status of [301, 400, 404, 429, 500, null]) {
      expect(decideAttempt({ status, retryAfterSeconds: null }, 1, null, T0).delivery.status, String(status)).toBe(
        "pending",
      );
    }
    expect(decideAttempt({ status: 410, retryAfterSeconds: null }, 1, null, T0)).toEqual({
      delivery: { status: "failed" },
      endpoint: { failingSince: T0.toISOString(), disable: `the endpoint answered 410 Gone at ${T0.toISOString()}` },
    });
  });

  it("honours Retry-After on 429 and 503 only, up to the schedule's longest step", () => {
    const wait = (status: number, retryAfterSeconds: number) => {
      const d = decideAttempt({ status, retryAfterSeconds }, 1, null, T0).delivery;
      return d.status === "pending" ? (d.nextAttemptAt.getTime() - T0.getTime()) / 1000 : null;
    };
    expect(wait(429, 120)).toBe(120);
    expect(wait(503, 2)).toBe(5);
    expect(wait(503, 999_999)).toBe(36000);
    expect(wait(500, 120)).toBe(5);
    expect(parseRetryAfter("120", T0)).toBe(120);
    expect(parseRetryAfter(later(90).toUTCString(), T0)).toBe(90);
    expect(parseRetryAfter("soon", T0)).toBeNull();
    expect(parseRetryAfter(null, T0)).toBeNull();
  });

  it("disables an endpoint once its failures have run for 5 days", () => {
    const since = T0.toISOString();
    expect(decideAttempt(failed, 1, since, later(5 * 86400 - 1)).endpoint.disable).toBeNull();
    expect(decideAttempt(failed, 1, since, later(5 * 86400)).endpoint).toEqual({
      failingSince: since,
      disable: `every delivery attempt since ${since} failed (5 days or more)`,
    });
    expect(decideAttempt(failed, 1, null, T0).endpoint).toEqual({ failingSince: since, disable: null });
  });
});
