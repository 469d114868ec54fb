// WebSub (W3C Recommendation, "publishing"): after a feed changes, the publisher tells its hub with a form
// POST of hub.mode=publish and hub.url; the hub then fetches the feed and pushes it to subscribers.

export function buildWebSubPing(hubUrl: string, feedUrl: string): Request {
  return new Request(hubUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ "hub.mode": "publish", "hub.url": feedUrl }).toString(),
  });
}
