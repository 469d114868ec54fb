// The one place text becomes XML (and HTML: the same five escapes serve both). Titles and notes text come from
// anyone, and a single character XML 1.0 forbids makes a whole feed unreadable, so those are removed first
// (the list is domain/text.ts's); JSON Feed readers choke on the same characters, hence cleanXmlText on its own.
import { XML_FORBIDDEN_CHARS } from "../domain/text.ts";

// &#39; rather than &apos;, which HTML 4 lacks: escaped text also goes into the items' HTML.
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/** The processing instruction that names a document's XSLT stylesheet (feed readers ignore it; browsers apply it). */
export function renderXmlStylesheet(href: string): string {
  return `<?xml-stylesheet type="text/xsl" href="${escapeXml(href)}"?>`;
}

export function cleanXmlText(text: string): string {
  return text.replace(XML_FORBIDDEN_CHARS, "");
}

export function escapeXml(text: string): string {
  return cleanXmlText(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Plain text for a field that readers may render as HTML (RSS titles, descriptions, categories: RSS never says
 * which). Every "<", and every "&" that could start a character reference, is HTML-escaped before the XML
 * escaping, so after XML parsing the text shows literally; "Xen & ARM" needs neither and stays plain text.
 */
export function escapeHtmlText(text: string): string {
  return text.replace(/<|&(?=[#A-Za-z0-9])/g, (c) => ENTITIES[c]!);
}

/** One element on one line, every attribute value and the text escaped; empty (`<x/>`) when text is null. */
export function renderElement(name: string, text: string | null, attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  return text === null ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}
