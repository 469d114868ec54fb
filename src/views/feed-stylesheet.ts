// The XSLT stylesheet that RSS and Atom feeds name (<?xml-stylesheet?>, src/feeds/escape.ts): a browser that opens
// a feed shows a page saying what the feed is and how to follow it, with its latest items; feed readers ignore
// it. XSLT 1.0, the one version browsers run. Every text goes out through xsl:value-of, escaped (never
// disable-output-escaping: titles come from anyone), and the page runs under the feed response's CSP (app.ts):
// the site's stylesheet inline, no script. RSS titles are HTML-escaped inside the XML (rss.ts), so a title with
// "<" shows "&lt;" here; XSLT 1.0 cannot unescape it, and such titles are rare.
import { escapeXml } from "../feeds/escape.ts";
import { pagePaths } from "../paths.ts";
import { STYLESHEET } from "./style.ts";

/** What the page adds to the site's stylesheet: the address to copy, and the item dates. */
const FEED_PAGE_STYLE = `
code.feed-url{display:block;margin:.4rem 0;padding:.5rem .7rem;background:var(--card);border:1px solid var(--line);
border-radius:6px;word-break:break-all;user-select:all;font:.9rem/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
ul.follow{padding-left:1.2rem}ul.follow li{margin:.5rem 0}
p.when{color:var(--muted);font-size:.85rem;margin:0}
`;

export const FEED_STYLESHEET = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:variable name="rss" select="/rss/channel"/>
  <xsl:variable name="atom" select="/atom:feed"/>
  <xsl:variable name="title" select="$rss/title | $atom/atom:title"/>
  <xsl:variable name="home" select="$rss/link | $atom/atom:link[@rel='alternate']/@href"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> · feed · sessionwire</title>
        <style>${escapeXml(STYLESHEET + FEED_PAGE_STYLE)}</style>
      </head>
      <body>
        <header class="site">
          <div>
            <a class="brand" href="${pagePaths.home()}">sessionwire</a>
            <span class="count">design-session notes, as they appear</span>
          </div>
        </header>
        <main>
          <h1><xsl:value-of select="$title"/></h1>
          <p class="lead"><xsl:value-of select="$rss/description | $atom/atom:subtitle"/>, as a web feed: a feed
            reader checks it for you and shows each new change as it is published.</p>
          <h2>Follow it</h2>
          <ul class="follow">
            <li><strong>In a feed reader</strong> (Thunderbird, NetNewsWire, Feedly, newsboat…): copy this address
              and add it as a new feed.
              <code class="feed-url"><xsl:value-of
                select="$rss/atom:link[@rel='self']/@href | $atom/atom:link[@rel='self']/@href"/></code></li>
            <li><strong>By mail</strong>: every event and session page has a subscribe form; this feed is about
              <a href="{$home}"><xsl:value-of select="$title"/></a>.</li>
          </ul>
          <h2>Latest changes</h2>
          <xsl:choose>
            <xsl:when test="$rss/item | $atom/atom:entry">
              <ul class="cards changes">
                <xsl:apply-templates select="$rss/item | $atom/atom:entry"/>
              </ul>
            </xsl:when>
            <xsl:otherwise>
              <p>No changes yet: the first one will show here, and in your feed reader.</p>
            </xsl:otherwise>
          </xsl:choose>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <p class="when"><xsl:value-of select="pubDate"/></p>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <p class="when"><xsl:value-of
        select="concat(substring(atom:updated, 1, 10), ' ', substring(atom:updated, 12, 5), ' UTC')"/></p>
      <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <pre class="excerpt"><xsl:value-of select="atom:summary"/></pre>
    </li>
  </xsl:template>
</xsl:stylesheet>
`;
