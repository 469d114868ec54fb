// The two ways a built MailMessage leaves the Worker, chosen by MAIL_TRANSPORT: Cloudflare Email Service through
// the send_email binding, or a Resend-style HTTP API. Each adapter only translates the message and classifies the
// provider's answer into MailError kinds; what to do about a kind (retry, record, suppress) is the consumer's.
import { z } from "zod";
import { MailError, type MailMessage, type MailTransport } from "./model.ts";

// Email Service error codes (email-service/api/send-emails/workers-api.mdx, reference/headers.mdx).
const RATE_LIMIT_CODES = new Set(["E_RATE_LIMIT_EXCEEDED", "E_DAILY_LIMIT_EXCEEDED"]);
// Permanent: the recipient is refused (suppressed, invalid, not allowed) or the message can never be accepted
// as built (validation, size, headers), so sending it again gives the same answer. Everything else is transient,
// including the sender's configuration (E_SENDER_NOT_VERIFIED, E_SENDER_DOMAIN_NOT_AVAILABLE): an operator fixes
// that, and recording it against every address would end up suppressing them all.
const PERMANENT_CODES = new Set([
  "E_RECIPIENT_SUPPRESSED",
  "E_RECIPIENT_INVALID",
  "E_RECIPIENT_NOT_ALLOWED",
  "E_VALIDATION_ERROR",
  "E_FIELD_MISSING",
  "E_TOO_MANY_RECIPIENTS",
  "E_CONTENT_TOO_LARGE",
  "E_HEADER_NOT_ALLOWED",
  "E_HEADER_USE_API_FIELD",
  "E_HEADER_VALUE_INVALID",
  "E_HEADER_VALUE_TOO_LONG",
  "E_HEADER_NAME_INVALID",
  "E_HEADERS_TOO_LARGE",
  "E_HEADERS_TOO_MANY",
]);

function classifyBindingError(error: unknown): MailError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code !== "string") return new MailError(message, "transient");
  const kind = RATE_LIMIT_CODES.has(code) ? "rate-limit" : PERMANENT_CODES.has(code) ? "permanent" : "transient";
  return new MailError(message, kind, code);
}

// MAIL_FROM reads `Name <address>`; the structured API takes a display name as `{ name, email }`.
function parseAddress(text: string): string | { name: string; email: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+)>\s*$/.exec(text);
  return match?.[1] ? { name: match[1], email: match[2]! } : (match?.[2] ?? text);
}

/** Email Service has no idempotency key: exactly-once rests on the consumer's ledger alone. */
export function buildBindingTransport(binding: SendEmail): MailTransport {
  return {
    async send(message: MailMessage) {
      try {
        const { from, to, subject, text, html, headers } = message;
        const { messageId } = await binding.send({ from: parseAddress(from), to, subject, text, html, headers });
        return { messageId };
      } catch (error) {
        throw classifyBindingError(error);
      }
    },
  };
}

export type HttpTransportOptions = {
  url: string;
  apiKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

const HttpSendResult = z.object({ id: z.string().min(1) });

/**
 * A Resend-style API: POST JSON, Bearer key, `Idempotency-Key` = the ledger id, so a redelivered send is not a
 * second mail. 429 is a rate limit; 401/403 (our key or account) and 409 (the same key still in flight) are
 * transient; other 4xx are permanent; 5xx, network errors and timeouts are transient.
 */
export function buildHttpTransport(options: HttpTransportOptions): MailTransport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async send(message: MailMessage, idempotencyKey: string) {
      const { from, to, subject, text, html, headers } = message;
      let response: Response;
      try {
        response = await (options.fetch ?? globalThis.fetch)(options.url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify({ from, to: [to], subject, text, html, headers }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new MailError(`mail API unreachable: ${error instanceof Error ? error.message : error}`, "transient");
      }
      const code = `HTTP_${response.status}`;
      if (response.ok) {
        const parsed = HttpSendResult.safeParse(await response.json().catch(() => null));
        if (!parsed.success) throw new MailError("mail API answered without a message id", "transient", code);
        return { messageId: parsed.data.id };
      }
      const detail = `mail API answered ${response.status}: ${(await response.text().catch(() => "")).slice(0, 500)}`;
      const { status } = response;
      if (status === 429) throw new MailError(detail, "rate-limit", code);
      if (status >= 400 && status < 500 && ![401, 403, 409].includes(status))
        throw new MailError(detail, "permanent", code);
      throw new MailError(detail, "transient", code);
    },
  };
}

/** MAIL_TRANSPORT: "binding" (the default, also when empty) or "http"; anything else is a configuration error. */
export function selectTransport(
  binding: SendEmail,
  mail: { transport: string; apiUrl: string; apiKey: string },
): MailTransport {
  switch (mail.transport) {
    case "binding":
      return buildBindingTransport(binding);
    case "http":
      if (!mail.apiUrl || !mail.apiKey)
        throw new Error('MAIL_TRANSPORT is "http" but MAIL_API_URL or the MAIL_API_KEY secret is empty');
      return buildHttpTransport({ url: mail.apiUrl, apiKey: mail.apiKey });
    default:
      throw new Error(`MAIL_TRANSPORT must be "binding" or "http", not ${JSON.stringify(mail.transport)}`);
  }
}
