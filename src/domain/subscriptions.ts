// Which scopes a subscribe request asks for. A request names one event and either the whole event or sessions
// of it: following the whole event already covers every session, and each subscription is mailed on its own, so
// the two together would bring two mails per change.

/**
 * The session ids asked for, in the order given and without duplicates (`session` first, as a session page's
 * form sends it, then the event page's ticked `sessions`); [""] (the whole event) when none is named.
 */
export function buildRequestedScopes(request: { session: string; sessions: string[] }): string[] {
  const sessions = [...new Set([request.session, ...request.sessions])].filter((s) => s !== "");
  return sessions.length > 0 ? sessions : [""];
}
