// A built mail, before any transport sees it: builders in message.ts make these, transports send them,
// tests assert on them.

export type MailMessage = {
  from: string;
  to: string;
  /** One line, at most 998 characters, no CR/LF/U+2028/U+2029. */
  subject: string;
  text: string;
  html: string;
  /** Only List-Unsubscribe and List-Unsubscribe-Post (the platform sets Message-ID, Date, …). */
  headers: Record<string, string>;
};

export type SendResult = { messageId: string };

/**
 * Why a send failed, as a transport classifies its provider's answer: rate limits are retried later, the
 * whole message; a permanent failure is recorded against the address; anything else is retried.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly kind: "rate-limit" | "permanent" | "transient",
    readonly code?: string,
  ) {
    super(message);
  }

  /** A permanent failure that blames the address, not the message: only these count toward suppression. */
  get refusesRecipient(): boolean {
    return this.kind === "permanent" && (this.code?.startsWith("E_RECIPIENT_") ?? false);
  }
}

export interface MailTransport {
  /** `idempotencyKey` is the ledger id: a provider that honours it never sends the same mail twice. */
  send(message: MailMessage, idempotencyKey: string): Promise<SendResult>;
}
