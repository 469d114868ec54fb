// Atom ids (RFC 4287 §4.2.6: permanent and universally unique) as tag URIs (RFC 4151), minted from what a feed
// or entry is, never from PUBLIC_BASE_URL: a site that moves keeps its ids, so readers do not show every item
// again. RSS guids and JSON Feed ids are the change id itself. The tagging entity is a name under .invalid (RFC
// 6761, never assigned to anyone), since sessionwire runs under whatever domain its operator has: no real
// owner's tags can collide with it, and change ids are unique on their own (hashes of what they describe).
const TAG_PREFIX = "tag:sessionwire.invalid,2026:";

/** A feed's id, from the path of the page it is about ("/", "/events/{event}", …). */
export const buildFeedTag = (homePath: string) => `${TAG_PREFIX}feed${homePath}`;

/** An entry's id, from its change id. */
export const buildEntryTag = (changeId: string) => `${TAG_PREFIX}change/${encodeURIComponent(changeId)}`;
