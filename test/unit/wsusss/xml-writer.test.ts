import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import { readXmlSync } from '../../../src/wsusss/soap/xml-reader.ts';
import { escapeXmlAttribute, escapeXmlText, XmlWriter } from '../../../src/wsusss/soap/xml-writer.ts';

describe('escapeXmlText / escapeXmlAttribute', () => {
  test('text escapes & < > and CR, and leaves quotes alone (as ASP.NET writes XmlUpdateBlob)', () => {
    assert.equal(escapeXmlText('a&b<c>d"e\'f'), 'a&amp;b&lt;c&gt;d"e\'f');
    assert.equal(escapeXmlText('x\r\ny\tz'), 'x&#xD;\ny\tz');
    assert.equal(escapeXmlText(''), '');
    assert.equal(escapeXmlText('plain'), 'plain');
  });

  test('attributes also escape quotes and whitespace that a parser would normalise', () => {
    assert.equal(escapeXmlAttribute('a"b<&>\t\n\r'), 'a&quot;b&lt;&amp;&gt;&#x9;&#xA;&#xD;');
  });

  test('whatever is escaped reads back unchanged', () => {
    const tricky = [
      '&amp; already',
      '<upd:Update a="1">x</upd:Update>',
      ']]>',
      'line1\r\nline2\rline3\n',
      'tab\there',
      'ü😀\uFFFD',
      ' lead and trail ',
    ];
    for (const s of tricky) {
      assert.equal(readXmlSync(`<a>${escapeXmlText(s)}</a>`).text, s, JSON.stringify(s));
      assert.equal(readXmlSync(`<a v="${escapeXmlAttribute(s)}"/>`).attrs[0]?.value, s, JSON.stringify(s));
    }
  });

  test('characters XML 1.0 cannot carry are refused rather than written', () => {
    for (const s of ['\u0000', 'a\u0001b', '\u001F', '\uFFFE', '\uD800x', 'x\uDC00']) {
      assert.throws(
        () => escapeXmlText(s),
        (e: unknown) => isSupsyncError(e, 'XML_MALFORMED') && /U\+/.test(e.message),
        JSON.stringify(s),
      );
      assert.throws(
        () => escapeXmlAttribute(s),
        (e: unknown) => isSupsyncError(e, 'XML_MALFORMED'),
      );
    }
  });
});

describe('XmlWriter', () => {
  test('writes the compact ASP.NET shape', () => {
    const xml = new XmlWriter()
      .open('R', 'urn:x')
      .leaf('A', 'a<b')
      .leaf('Empty', '')
      .optionalLeaf('Absent', undefined)
      .bool('T', true)
      .int('N', -5)
      .list('None', [], (w, v: number) => w.int('n', v))
      .list('Some', [1, 2], (w, v) => w.int('n', v))
      .close('R')
      .toString();
    assert.equal(
      xml,
      '<R xmlns="urn:x"><A>a&lt;b</A><Empty /><T>true</T><N>-5</N><None /><Some><n>1</n><n>2</n></Some></R>',
    );
  });

  test('refuses non-integers', () => {
    assert.throws(
      () => new XmlWriter().int('N', 1.5),
      (e: unknown) => isSupsyncError(e, 'SOAP_MALFORMED'),
    );
    assert.throws(
      () => new XmlWriter().int('N', Number.NaN),
      (e: unknown) => isSupsyncError(e, 'SOAP_MALFORMED'),
    );
  });

  test('builds large lists in linear time', () => {
    const time = (n: number) => {
      const items = Array.from({ length: n }, (_, i) => i);
      const t = performance.now();
      new XmlWriter().list('L', items, (w, v) => w.leaf('UpdateID', `id-${v}`).int('RevisionNumber', v)).toString();
      return performance.now() - t;
    };
    time(20_000); // warm-up
    const small = time(25_000);
    const big = time(100_000);
    // Linear growth gives about 4x; quadratic would give about 16x.
    assert.ok(big < small * 10 + 20, `25k: ${small.toFixed(1)} ms, 100k: ${big.toFixed(1)} ms`);
  });
});
