// Where each kind of notes link keeps its plain text, and how an archive page's HTML becomes text.
// Pure, so the mapping is unit-tested per kind; the poller fetches what this returns and nothing else.

/** HackMD/HedgeDoc path segments that name a view of a note, not the note (`/<id>/edit`, `/<id>/publish`). */
const PAD_VIEWS = new Set(["edit", "view", "both", "publish", "download"]);

/** The URL whose body is the link's notes text, or null when it is never fetched (CryptPad, other, unknown forms). */
export function buildFetchUrl(link: { url: string; kind: string }): string | null {
  const u = URL.parse(link.url);
  if (!u) return null;
  u.hash = "";
  switch (link.kind) {
    case "hackmd":
    case "hedgedoc":
      return buildPadDownloadUrl(u);
    case "etherpad": {
      // `/p/<pad>` (under any prefix), also from its `/timeslider` or `/export/...` forms.
      const m = /^(.*?\/p\/[^/]+)(?:\/.*)?$/.exec(u.pathname);
      return m ? `${u.origin}${m[1]}/export/txt` : null;
    }
    case "wiki":
      return buildWikiRawUrl(u);
    case "mailing-list":
      return u.href;
    default:
      return null;
  }
}

function buildPadDownloadUrl(u: URL): string | null {
  const parts = u.pathname.split("/").filter(Boolean);
  // Published note `/s/<id>` and slides `/p/<id>` share the short id; both download from `/s/<id>/download`.
  if ((parts[0] === "s" || parts[0] === "p") && parts[1]) return `${u.origin}/s/${parts[1]}/download`;
  // HackMD's named notes: `/@user/<slug>`.
  const size = parts[0]?.startsWith("@") ? 2 : 1;
  const note = parts.slice(0, size);
  if (note.length < size) return null;
  const rest = parts.slice(note.length);
  if (rest.length > 1 || (rest[0] && !PAD_VIEWS.has(rest[0]))) return null;
  return `${u.origin}/${note.join("/")}/download`;
}

function buildWikiRawUrl(u: URL): string | null {
  let script: string;
  let title: string | null;
  const article = /^\/wiki\/(.+)$/.exec(u.pathname);
  if (article?.[1]) {
    script = "/index.php";
    try {
      title = decodeURIComponent(article[1]);
    } catch {
      return null;
    }
  } else if (u.pathname.endsWith("/index.php")) {
    script = u.pathname;
    title = u.searchParams.get("title");
  } else return null;
  if (!title) return null;
  return `${u.origin}${script}?${new URLSearchParams({ title, action: "raw" })}`;
}

/** Elements whose content is not text a reader sees. */
const HIDDEN = /<(script|style|noscript|template|svg)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi;
/** Elements that start a new line, so the line diff downstream sees the page's structure. */
const BLOCK = new Set(
  (
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 " +
    "header hr li main nav ol p pre section table tbody td tfoot th thead title tr ul"
  ).split(" "),
);
const COMMENT = /<!--[\s\S]*?(?:-->|$)/g;
/** A tag (quoted attribute values may hold `>`), a doctype/CDATA/processing instruction, or text. */
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>"']|"[^"]*"|'[^']*')*>|<[!?][^>]*>|([^<]+|<)/g;

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  ndash: "\u2013",
  mdash: "\u2014",
  hellip: "\u2026",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201c",
  rdquo: "\u201d",
  laquo: "\u00ab",
  raquo: "\u00bb",
  copy: "\u00a9",
  reg: "\u00ae",
  trade: "\u2122",
  middot: "\u00b7",
  bull: "\u2022",
  euro: "\u20ac",
};

/** Decodes character references in one pass (`&amp;lt;` is `&lt;`, not `<`); unknown names stay as written. */
function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));?/g, (whole, dec, hex, name) => {
    if (name !== undefined) return ENTITIES[name] ?? whole;
    const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
    const valid = cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    return valid ? String.fromCodePoint(cp) : "\ufffd";
  });
}

/** The text a reader sees on an HTML page: one line per block, spaces collapsed, blank lines dropped. */
export function buildTextFromHtml(html: string): string {
  let out = "";
  let pre = 0;
  for (const [, closing, tag, text] of html.replace(COMMENT, "").replace(HIDDEN, " ").matchAll(TOKEN)) {
    if (text !== undefined) {
      const decoded = decodeEntities(text);
      out += pre > 0 ? decoded : decoded.replace(/\s+/g, " ");
    } else if (tag) {
      const name = tag.toLowerCase();
      if (name === "pre") pre = Math.max(0, pre + (closing ? -1 : 1));
      if (BLOCK.has(name)) out += "\n";
      else if (name === "img" || name === "input") out += " ";
    }
  }
  return out
    .split(/\r\n?|\n/)
    .map((line) => line.replace(/\s+/g, " ").trim())
    .filter(Boolean)
    .join("\n");
}

/**
 * Where a schedule's text is read from: a MediaWiki page (`/wiki/Page`, or `/w/index.php?title=Page` and other
 * index.php paths) as its wikitext, since MediaWiki answers `action=raw` on either form; anything else as is.
 */
export function buildScheduleUrl(url: string): string {
  const u = new URL(url);
  const isWikiPage = /\/wiki\/./.test(u.pathname) || (u.pathname.endsWith("/index.php") && u.searchParams.has("title"));
  if (isWikiPage) u.searchParams.set("action", "raw");
  return u.toString();
}
