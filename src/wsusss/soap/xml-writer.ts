/**
 * Writing side of the codec: XML escaping and a tiny append-only builder.
 *
 * Envelopes are small, but two responses are not (a revision list of tens of thousands of
 * identities, 100 update documents). The builder collects parts in an array and joins once, so
 * building is linear in the output size.
 */
import { SupsyncError } from '../../shared/errors.ts';
import { escapeXmlAttribute, escapeXmlText } from '../../shared/xml-escape.ts';

export { escapeXmlAttribute, escapeXmlText };

/**
 * Append-only XML builder producing the compact form WSUS writes: no whitespace between elements,
 * `<Name />` for empty elements. Element names are trusted constants; text is always escaped.
 */
export class XmlWriter {
  private readonly parts: string[] = [];

  /** Appends already-serialised XML as is. */
  raw(xml: string): this {
    this.parts.push(xml);
    return this;
  }

  /** Opens `<name>`, or `<name xmlns="ns">` when a default namespace is given. */
  open(name: string, defaultNs?: string): this {
    this.parts.push(defaultNs === undefined ? `<${name}>` : `<${name} xmlns="${escapeXmlAttribute(defaultNs)}">`);
    return this;
  }

  close(name: string): this {
    this.parts.push(`</${name}>`);
    return this;
  }

  /** Writes `<name />`. */
  empty(name: string, defaultNs?: string): this {
    this.parts.push(defaultNs === undefined ? `<${name} />` : `<${name} xmlns="${escapeXmlAttribute(defaultNs)}" />`);
    return this;
  }

  /** Writes a text leaf; the empty string gives `<name />`, as ASP.NET writes it. */
  leaf(name: string, text: string): this {
    this.parts.push(text === '' ? `<${name} />` : `<${name}>${escapeXmlText(text)}</${name}>`);
    return this;
  }

  /** Writes a text leaf when the value is defined; absent values are omitted (minOccurs 0). */
  optionalLeaf(name: string, text: string | undefined): this {
    return text === undefined ? this : this.leaf(name, text);
  }

  /** Writes `true`/`false`. */
  bool(name: string, value: boolean): this {
    this.parts.push(`<${name}>${value ? 'true' : 'false'}</${name}>`);
    return this;
  }

  /** Writes an integer. */
  int(name: string, value: number): this {
    if (!Number.isSafeInteger(value))
      throw new SupsyncError('SOAP_MALFORMED', `${name} must be an integer, got ${value}`);
    this.parts.push(`<${name}>${value}</${name}>`);
    return this;
  }

  /**
   * Writes a wrapper element around a list, or `<name />` when the list is empty, calling `item`
   * for each entry (no closure is kept per entry).
   */
  list<T>(name: string, items: readonly T[], item: (w: XmlWriter, value: T) => void): this {
    if (items.length === 0) return this.empty(name);
    this.open(name);
    for (const value of items) item(this, value);
    return this.close(name);
  }

  /** Joins everything written so far. */
  toString(): string {
    return this.parts.join('');
  }
}
