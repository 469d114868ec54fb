// The two mail transports (the send_email binding and the HTTP provider API), the provider errors they map to
// MailError kinds (permanent, rate limit, transient), and which one the configuration selects.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MailError, type MailMessage } from "../../src/email/model.ts";
import { type ConfigEnv, readConfig } from "../../src/config.ts";
import { buildBindingTransport, buildHttpTransport, selectTransport } from "../../src/email/transport.ts";
import { FROM, TO, changeMail } from "../helpers/mail.ts";

const MESSAGE: MailMessage = changeMail();
const LEDGER_ID = "chg-2:sub-7";

afterEach(() => {
  vi.restoreAllMocks();
});

const codedError = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });
const fakeBinding = (send: SendEmail["send"]) => ({ send }) as SendEmail;
async function caught(promise: Promise<unknown>): Promise<MailError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailError);
  return error as MailError;
}

describe("buildBindingTransport", () => {
  it("sends the structured fields through the real (simulated) send_email binding", async () => {
    const send = vi.spyOn(env.EMAIL, "send");
    const result = await buildBindingTransport(env.EMAIL).send(MESSAGE, LEDGER_ID);
    expect(result.messageId).toEqual(expect.any(String));
    expect(result.messageId.length).toBeGreaterThan(0);
    expect(send).toHaveBeenCalledWith({
      from: { name: "sessionwire", email: "notes@sessionwire.example" },
      to: TO,
      subject: MESSAGE.subject,
      text: MESSAGE.text,
      html: MESSAGE.html,
      headers: MESSAGE.headers,
    });
  });

  it("passes a bare From address as it is", async () => {
    const send = vi.fn(async () => ({ messageId: "m-1" }));
    await buildBindingTransport(fakeBinding(send)).send({ ...MESSAGE, from: "notes@sessionwire.example" }, LEDGER_ID);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ from: "notes@sessionwire.example" }));
  });

  it.each([
    ["E_RATE_LIMIT_EXCEEDED", "rate-limit"],
    ["E_DAILY_LIMIT_EXCEEDED", "rate-limit"],
    ["E_RECIPIENT_SUPPRESSED", "permanent"],
    ["E_RECIPIENT_INVALID", "permanent"],
    ["E_RECIPIENT_NOT_ALLOWED", "permanent"],
    ["E_VALIDATION_ERROR", "permanent"],
    ["E_FIELD_MISSING", "permanent"],
    ["E_TOO_MANY_RECIPIENTS", "permanent"],
    ["E_CONTENT_TOO_LARGE", "permanent"],
    ["E_HEADER_NOT_ALLOWED", "permanent"],
    ["E_HEADER_USE_API_FIELD", "permanent"],
    ["E_HEADER_VALUE_INVALID", "permanent"],
    ["E_HEADER_VALUE_TOO_LONG", "permanent"],
    ["E_HEADER_NAME_INVALID", "permanent"],
    ["E_HEADERS_TOO_LARGE", "permanent"],
    ["E_HEADERS_TOO_MANY", "permanent"],
    ["E_SENDER_NOT_VERIFIED", "transient"],
    ["E_SENDER_DOMAIN_NOT_AVAILABLE", "transient"],
    ["E_DELIVERY_FAILED", "transient"],
    ["E_INTERNAL_SERVER_ERROR", "transient"],
    ["E_SOMETHING_NEW", "transient"],
  ])("maps %s to %s, keeping the code", async (code, kind) => {
    const transport = buildBindingTransport(fakeBinding(() => Promise.reject(codedError(code))));
    const error = await caught(transport.send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind, code, message: `failed: ${code}` });
  });

  it("treats an error without a code as transient", async () => {
    const transport = buildBindingTransport(fakeBinding(() => Promise.reject(new Error("email to x not allowed"))));
    expect(await caught(transport.send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient", code: undefined });
  });
});

describe("buildHttpTransport", () => {
  const API = "https://api.mail.example/emails";
  const transport = (timeoutMs?: number) => buildHttpTransport({ url: API, apiKey: "key-1", timeoutMs });

  it("POSTs the message as JSON with the key and the ledger id as Idempotency-Key", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "re_123" }));
    expect(await transport().send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "re_123" });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(url).toBe(API);
    expect(init?.method).toBe("POST");
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    const headers = new Headers(init?.headers);
    expect(headers.get("authorization")).toBe("Bearer key-1");
    expect(headers.get("idempotency-key")).toBe(LEDGER_ID);
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(init?.body))).toEqual({
      from: FROM,
      to: [TO],
      subject: MESSAGE.subject,
      text: MESSAGE.text,
      html: MESSAGE.html,
      headers: MESSAGE.headers,
    });
  });

  it("uses the fetch it is given", async () => {
    const fetchFake = vi.fn(async () => Response.json({ id: "re_9" }));
    const sent = await buildHttpTransport({ url: API, apiKey: "k", fetch: fetchFake }).send(MESSAGE, LEDGER_ID);
    expect(sent).toEqual({ messageId: "re_9" });
    expect(fetchFake).toHaveBeenCalledTimes(1);
  });

  it.each([
    [429, "rate-limit"],
    [400, "permanent"],
    [422, "permanent"],
    [401, "transient"],
    [403, "transient"],
    [409, "transient"],
    [500, "transient"],
    [503, "transient"],
  ])("maps HTTP %i to %s", async (status, kind) => {
    const body = { statusCode: status, name: "some_error", message: "nope" };
    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json(body, { status }));
    const error = await caught(transport().send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind, code: `HTTP_${status}` });
    expect(error.message).toContain("nope");
  });

  it("treats a 200 without a message id as transient (the Idempotency-Key makes the retry safe)", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("<html>ok</html>"));
    expect(await caught(transport().send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient", code: "HTTP_200" });
  });

  it("treats a network error as transient", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Network connection lost."));
    const error = await caught(transport().send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind: "transient" });
    expect(error.message).toContain("Network connection lost.");
  });

  it("gives up after its timeout, as transient", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    const started = Date.now();
    expect(await caught(transport(50).send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("selectTransport", () => {
  const select = (
    MAIL_TRANSPORT: string,
    send = vi.fn(async () => ({ messageId: "cf-1" })),
    overrides: ConfigEnv = {},
  ) =>
    selectTransport(
      fakeBinding(send),
      readConfig({
        MAIL_TRANSPORT,
        MAIL_API_URL: "https://api.mail.example/emails",
        MAIL_API_KEY: "key-1",
        ...overrides,
      }).mail,
    );

  it.each(["binding", ""])("uses the binding for %j", async (value) => {
    const send = vi.fn(async () => ({ messageId: "cf-1" }));
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    expect(await select(value, send).send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "cf-1" });
    expect(send).toHaveBeenCalledTimes(1);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("uses the HTTP API for http", async () => {
    const send = vi.fn(async () => ({ messageId: "cf-1" }));
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "re_1" }));
    expect(await select("http", send).send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "re_1" });
    expect(fetchSpy.mock.calls[0]?.[0]).toBe("https://api.mail.example/emails");
    expect(send).not.toHaveBeenCalled();
  });

  it("rejects unknown values and an http transport without a key", () => {
    for (const value of ["smtp", "Binding", "http "])
      expect(() => select(value)).toThrow(/MAIL_TRANSPORT must be "binding" or "http"/);
    expect(() => select("http", undefined, { MAIL_API_KEY: "" })).toThrow(/MAIL_API_KEY/);
  });

  it("the repository's configuration selects a working transport", async () => {
    const sent = await selectTransport(env.EMAIL, readConfig(env).mail).send(MESSAGE, LEDGER_ID);
    expect(sent.messageId).toEqual(expect.any(String));
  });
});
