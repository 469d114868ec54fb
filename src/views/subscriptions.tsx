// Mail subscription pages: the form on event and session pages, and the pages of subscribe, confirm and
// unsubscribe. Links from mails land on a page with a button, because scanners follow GETs; only the POST acts.
// Nothing here says whether an address was already subscribed.
import type { Issue } from "../errors.ts";
import { pagePaths, subscriptionPaths } from "../paths.ts";
import type { Subscription, SubscriptionMode } from "../store/subscriptions.ts";
import { Layout } from "./layout.tsx";

export const PENDING_MESSAGE =
  "Thanks. If this address can be subscribed, a confirmation mail is on its way: check your inbox and follow its link.";

const MODE_TEXT: Record<SubscriptionMode, string> = {
  immediate: "an email each time its notes change",
  daily: "a daily digest of its notes changes",
};

const FIELD_LABELS: Record<string, string> = {
  email: "Email address",
  event: "Event",
  session: "Session",
  mode: "How often",
};

/** Works without JavaScript: a plain POST to /subscriptions. `session` absent: the whole event. */
export function SubscribeForm({ event, session }: { event: string; session?: string }) {
  return (
    <form class="mail-subscribe" method="post" action={subscriptionPaths.subscribe()}>
      <h2>Get an email when notes change</h2>
      <input type="hidden" name="event" value={event} />
      {session ? <input type="hidden" name="session" value={session} /> : null}
      <label for="subscribe-email">Email address</label>
      <input
        id="subscribe-email"
        type="email"
        name="email"
        required
        maxlength={254}
        autocomplete="email"
        placeholder="you@example.org"
      />
      <fieldset>
        <legend>How often</legend>
        <label>
          <input type="radio" name="mode" value="immediate" checked /> As it happens
        </label>
        <label>
          <input type="radio" name="mode" value="daily" /> Daily digest
        </label>
      </fieldset>
      <button type="submit">Subscribe</button>
      <p class="count">We send one confirmation mail first; nothing else until you confirm.</p>
    </form>
  );
}

const scopePath = (s: Subscription) => pagePaths.scope(s.event, s.session);

function Scope({ s }: { s: Subscription }) {
  const event = s.eventTitle ?? s.event;
  return s.session ? (
    <>
      the session <a href={scopePath(s)}>{s.sessionTitle ?? s.session}</a> of {event}
    </>
  ) : (
    <>
      every session of <a href={scopePath(s)}>{event}</a>
    </>
  );
}

export function SubscribeAcceptedPage() {
  return (
    <Layout title="Check your inbox">
      <h1>Check your inbox</h1>
      <p class="lead">{PENDING_MESSAGE}</p>
      <p class="count">Nothing reaches you until you confirm. The link in the mail is valid for a week.</p>
    </Layout>
  );
}

export function ProblemsPage({ message, issues }: { message: string; issues: Issue[] }) {
  return (
    <Layout title="Please check the form">
      <h1>Please check the form</h1>
      <p class="lead">{message}</p>
      <ul class="problems">
        {issues.map((i) => (
          <li>
            {i.path.length > 0 ? <strong>{FIELD_LABELS[String(i.path[0])] ?? i.path.join(".")}: </strong> : null}
            {i.message}
          </li>
        ))}
      </ul>
      <p>Go back, correct the form and send it again.</p>
    </Layout>
  );
}

/** A pending subscription of the same address and the confirm token for it. */
export type PendingOffer = { subscription: Subscription; token: string };

function ConfirmButton({ token, label }: { token: string; label: string }) {
  return (
    <form class="mail-subscribe" method="post" action={subscriptionPaths.confirm()}>
      <input type="hidden" name="token" value={token} />
      <button type="submit">{label}</button>
    </form>
  );
}

function OtherPending({ offers }: { offers: PendingOffer[] }) {
  if (offers.length === 0) return null;
  return (
    <>
      <h2>Also waiting for confirmation</h2>
      <ul class="cards">
        {offers.map((o) => (
          <li>
            {MODE_TEXT[o.subscription.mode]} for <Scope s={o.subscription} />
            <ConfirmButton token={o.token} label="Confirm this one too" />
          </li>
        ))}
      </ul>
    </>
  );
}

export function ConfirmPage({
  subscription,
  token,
  others,
}: {
  subscription: Subscription;
  token: string;
  others: PendingOffer[];
}) {
  return (
    <Layout title="Confirm your subscription">
      <h1>Confirm your subscription</h1>
      <p class="lead">
        {subscription.email} will get {MODE_TEXT[subscription.mode]} for <Scope s={subscription} />.
      </p>
      <ConfirmButton token={token} label="Confirm" />
      <p class="count">If you did not ask for this, ignore it: nothing is sent unless you confirm.</p>
      <OtherPending offers={others} />
    </Layout>
  );
}

export function ConfirmedPage({ subscription, others }: { subscription: Subscription; others: PendingOffer[] }) {
  return (
    <Layout title="Subscribed">
      <h1>You are subscribed</h1>
      <p class="lead">
        You will get {MODE_TEXT[subscription.mode]} for <Scope s={subscription} />.
      </p>
      <p class="count">Every mail ends with a link to unsubscribe in one click.</p>
      <OtherPending offers={others} />
    </Layout>
  );
}

export function UnsubscribePage({ subscription, token }: { subscription: Subscription; token: string }) {
  return (
    <Layout title="Unsubscribe">
      <h1>Unsubscribe</h1>
      <p class="lead">
        Stop mail to {subscription.email} about <Scope s={subscription} />?
      </p>
      <form class="mail-subscribe" method="post" action={subscriptionPaths.unsubscribe(token)}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
    </Layout>
  );
}

export function UnsubscribedPage({ subscription }: { subscription: Subscription }) {
  return (
    <Layout title="Unsubscribed">
      <h1>You are unsubscribed</h1>
      <p class="lead">
        No more mail about <Scope s={subscription} />.
      </p>
      <p class="count">Changed your mind? Subscribe again from the page.</p>
    </Layout>
  );
}
