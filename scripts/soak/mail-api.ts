// A Resend-style mail API on 127.0.0.1 for the soak: POST JSON with a Bearer key and an Idempotency-Key,
// answered `{ id }`. It keeps its promises like the real one (resend.com/docs/dashboard/emails/idempotency-keys):
// a repeated key with the same payload gets the first answer and sends nothing ("resent, deduplicated by the
// provider"); the same key with another payload is refused with 409 invalid_idempotent_request. It injects
// faults at seeded rates: 429 and 5xx before accepting, and 5xx after accepting (the mail is out, the answer is
// lost); it can be down altogether for a while (503 to everything); and it records every accepted mail by key.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildRandom } from "./random.ts";

export type MailApiOptions = {
  apiKey: string;
  seed: number;
  rateLimitRate: number;
  serverErrorRate: number;
  lostAnswerRate: number;
};

export type AcceptedMail = { key: string; id: string; to: string; subject: string; text: string; at: number };

export type MailApiStats = {
  requests: number;
  accepted: number;
  resentDeduplicated: number;
  keyReusedWithOtherPayload: number;
  rateLimited: number;
  serverErrors: number;
  lostAnswers: number;
  invalid: number;
  /** 503s answered while down (startOutage). */
  outageRefusals: number;
  /** Date.now() of the last request of any kind: the soak's measure of whether mail is still moving. */
  lastRequestAt: number;
};

export type MailApi = {
  url: string;
  accepted: AcceptedMail[];
  stats: MailApiStats;
  /** From now on, for `seconds`, every request is answered 503. */
  startOutage: (seconds: number) => void;
  close: () => Promise<void>;
};

export async function startMailApi(options: MailApiOptions): Promise<MailApi> {
  const faults = buildRandom(options.seed, "mail-api");
  const accepted: AcceptedMail[] = [];
  const byKey = new Map<string, { id: string; payload: string }>();
  const stats: MailApiStats = {
    requests: 0,
    accepted: 0,
    resentDeduplicated: 0,
    keyReusedWithOtherPayload: 0,
    rateLimited: 0,
    serverErrors: 0,
    lostAnswers: 0,
    invalid: 0,
    outageRefusals: 0,
    lastRequestAt: 0,
  };
  let downUntil = 0;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks).toString("utf8");
    stats.requests++;
    stats.lastRequestAt = Date.now();
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const invalid = (status: number, name: string) => {
      stats.invalid++;
      answer(status, { statusCode: status, name, message: name });
    };
    if (req.method !== "POST" || req.url !== "/emails") return invalid(404, "not_found");
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return invalid(401, "missing_api_key");
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key.length < 1 || key.length > 256) return invalid(400, "invalid_idempotency_key");
    let mail: { to?: unknown; subject?: unknown; text?: unknown };
    try {
      mail = JSON.parse(payload) as typeof mail;
    } catch {
      return invalid(422, "validation_error");
    }
    const recipients: unknown[] = Array.isArray(mail.to) ? mail.to : [];
    const to = recipients.length === 1 && typeof recipients[0] === "string" ? recipients[0] : null;
    if (!to || typeof mail.subject !== "string" || typeof mail.text !== "string")
      return invalid(422, "validation_error");

    if (Date.now() < downUntil) {
      stats.outageRefusals++;
      return answer(503, { statusCode: 503, name: "service_unavailable", message: "injected outage" });
    }
    const draw = faults();
    if (draw < options.rateLimitRate) {
      stats.rateLimited++;
      return answer(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" });
    }
    if (draw < options.rateLimitRate + options.serverErrorRate) {
      stats.serverErrors++;
      return answer(500, { statusCode: 500, name: "internal_server_error", message: "injected" });
    }
    const earlier = byKey.get(key);
    if (earlier) {
      if (earlier.payload !== payload) {
        stats.keyReusedWithOtherPayload++;
        return answer(409, { statusCode: 409, name: "invalid_idempotent_request", message: "payload differs" });
      }
      stats.resentDeduplicated++;
      return answer(200, { id: earlier.id });
    }
    const id = `mock_${accepted.length + 1}`;
    byKey.set(key, { id, payload });
    accepted.push({ key, id, to, subject: mail.subject, text: mail.text, at: Date.now() });
    stats.accepted++;
    if (faults() < options.lostAnswerRate) {
      stats.lostAnswers++;
      return answer(502, { statusCode: 502, name: "bad_gateway", message: "injected after accepting" });
    }
    return answer(200, { id });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/emails`,
    accepted,
    stats,
    startOutage: (seconds) => {
      downUntil = Date.now() + seconds * 1000;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
