/**
 * XML 1.0 escaping shared by every writer (SOAP envelopes, update metadata documents). Values that
 * need nothing (GUIDs, numbers, anchors — most of them) come back as they are.
 */
import { SupsyncError } from './errors.ts';

/** Characters XML 1.0 cannot carry at all, not even as a character reference; lone surrogates too. */
const FORBIDDEN_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * One character class covering everything that needs a second look (specials, forbidden characters,
 * any surrogate). Most values (GUIDs, numbers, anchors) contain none and are returned as they are.
 */
const NEEDS_WORK = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const TEXT_SPECIAL = /[&<>\r]/g;
const ATTR_SPECIAL = /[&<>"\t\n\r]/g;
const REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Written as references because a parser normalises literal CR (and, in attributes, TAB/LF) away.
  '\r': '&#xD;',
  '\t': '&#x9;',
  '\n': '&#xA;',
};

function replaceSpecial(ch: string): string {
  return REPLACEMENTS[ch] ?? ch;
}

function assertWritable(value: string): void {
  const bad = FORBIDDEN_CHAR.exec(value);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new SupsyncError('XML_MALFORMED', `cannot write character U+${code} (at index ${bad.index}) in XML 1.0 text`);
  }
}

/**
 * Escapes character data the way ASP.NET's serializer does: `&`, `<`, `>` (and CR, which a reader
 * would otherwise turn into LF); quotes stay literal.
 * @throws SupsyncError `XML_MALFORMED` when the text holds a character XML 1.0 cannot represent.
 */
export function escapeXmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  assertWritable(value);
  return value.replace(TEXT_SPECIAL, replaceSpecial);
}

/**
 * Escapes an attribute value for a double-quoted attribute.
 * @throws SupsyncError `XML_MALFORMED` when the value holds a character XML 1.0 cannot represent.
 */
export function escapeXmlAttribute(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  assertWritable(value);
  return value.replace(ATTR_SPECIAL, replaceSpecial);
}
