// The one place text becomes XML (and HTML: the same five escapes serve both). Titles and notes text come from
// anyone, and a single character XML 1.0 forbids makes a whole feed unreadable, so those are removed first;
// JSON Feed readers choke on the same characters, hence cleanXmlText on its own.

// C0 controls but TAB, LF and CR; U+FFFE and U+FFFF. With the u flag the surrogate range only matches lone
// surrogates: a valid pair is read as one astral code point and stays.
const FORBIDDEN = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
// &#39; rather than &apos;, which HTML 4 lacks: escaped text also goes into the items' HTML.
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

export function cleanXmlText(text: string): string {
  return text.replace(FORBIDDEN, "");
}

export function escapeXml(text: string): string {
  return cleanXmlText(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** One element on one line, every attribute value and the text escaped; empty (`<x/>`) when text is null. */
export function renderElement(name: string, text: string | null, attributes: Record<string, string> = {}): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join("");
  return text === null ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}
