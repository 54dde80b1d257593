import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { isSupsyncError } from '../../../src/shared/errors.ts';
import type { XmlElement } from '../../../src/wsusss/soap/xml-reader.ts';
import { readXml, readXmlSync } from '../../../src/wsusss/soap/xml-reader.ts';

function code(c: string, pattern?: RegExp) {
  return (e: unknown) => isSupsyncError(e) && e.code === c && (pattern === undefined || pattern.test(e.message));
}

async function* chunksOf(bytes: Uint8Array, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; ) {
    const n = Math.max(1, sizes());
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

/** A deterministic pseudo-random generator, so a failing chunking can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('readXml', () => {
  test('builds a namespace-aware tree; prefixes do not matter, xmlns declarations are not attributes', () => {
    const a = readXmlSync(
      '<p:r xmlns:p="urn:a" xmlns:q="urn:q" q:x="1" y="2"><p:c>t&amp;u</p:c><d xmlns="urn:d"/></p:r>',
    );
    const b = readXmlSync(
      '<r xmlns="urn:a" y="2" xmlns:z="urn:q" z:x="1"><c>t&amp;u</c><z:d xmlns:z="urn:d"></z:d></r>',
    );
    for (const root of [a, b]) {
      assert.equal(root.ns, 'urn:a');
      assert.equal(root.local, 'r');
      assert.deepEqual(
        [...root.attrs].sort((x, y) => x.local.localeCompare(y.local)),
        [
          { ns: 'urn:q', local: 'x', value: '1' },
          { ns: '', local: 'y', value: '2' },
        ],
      );
      assert.deepEqual(
        root.children.map((c) => [c.ns, c.local, c.text]),
        [
          ['urn:a', 'c', 't&u'],
          ['urn:d', 'd', ''],
        ],
      );
    }
  });

  test('CDATA and character references become text', () => {
    const root = readXmlSync('<a><![CDATA[<x>&amp;]]>&#x41;&#66;</a>');
    assert.equal(root.text, '<x>&amp;AB');
  });

  test('accepts a UTF-8 BOM and multi-byte characters split across chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>Grüße 日本 😀</a>', 'utf8')]);
    assert.equal(readXmlSync(bytes).text, 'Grüße 日本 😀');
    const streamed = await readXml(chunksOf(bytes, () => 1));
    assert.equal(streamed.text, 'Grüße 日本 😀');
  });

  test('reads Node streams and string iterables', async () => {
    const xml = '<a><b>1</b><b>2</b></a>';
    const fromStream = await readXml(Readable.from([Buffer.from(xml.slice(0, 7)), Buffer.from(xml.slice(7))]));
    assert.deepEqual(
      fromStream.children.map((c) => c.text),
      ['1', '2'],
    );
    const fromStrings = await readXml(Readable.from([xml.slice(0, 3), xml.slice(3)], { objectMode: true }));
    assert.equal(fromStrings.children.length, 2);
  });

  test('chunked input parses exactly like whole input, for one-byte and random chunk sizes', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><s:E xmlns:s="urn:s"><s:B>${'<i a="&quot;x&quot;">v&lt;ä</i>'.repeat(200)}</s:B></s:E>`;
    const bytes = Buffer.from(xml, 'utf8');
    const whole = readXmlSync(bytes);
    assert.deepEqual(await readXml(chunksOf(bytes, () => 1)), whole);
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = seeded(seed);
      assert.deepEqual(await readXml(chunksOf(bytes, () => Math.floor(rnd() * 97))), whole, `seed ${seed}`);
    }
  });

  test('indentation between child elements is not kept as text', () => {
    const root = readXmlSync(`<a>\n  ${'<b>x</b>\n  '.repeat(1000)}</a>`);
    assert.equal(root.text, '\n  ');
    assert.equal(root.children.length, 1000);
    assert.equal(readXmlSync('<a> <b/> x </a>').text, '  x ');
  });

  test('leaves share one frozen empty child list (cheap big lists)', () => {
    const root = readXmlSync('<a><b>1</b><c>2</c></a>');
    const [b, c] = root.children as [XmlElement, XmlElement];
    assert.equal(b.children, c.children);
    assert.ok(Object.isFrozen(b.children));
  });
});

describe('item collectors', () => {
  const collector = {
    ns: 'urn:x',
    list: 'L',
    item: 'I',
    read: (el: XmlElement) => {
      if (el.text === 'bad') throw new Error('bad item');
      return Number(el.text);
    },
  };

  test('convert list items while parsing and keep them out of the tree', async () => {
    const xml = '<r xmlns="urn:x"><L><I>1</I><I>2</I><other/><I>3</I></L><M><I>4</I></M></r>';
    const root = await readXml(
      chunksOf(Buffer.from(xml), () => 2),
      { collectors: [collector] },
    );
    const [l, m] = root.children as [XmlElement, XmlElement];
    assert.deepEqual(l.items, [1, 2, 3]);
    assert.deepEqual(
      l.children.map((c) => c.local),
      ['other'],
    );
    // Only directly inside the named list, and only in the collector's namespace.
    assert.equal(m.items, undefined);
    assert.equal(m.children.length, 1);
    const foreign = readXmlSync('<L xmlns="urn:y"><I>1</I></L>', { collectors: [collector] });
    assert.equal(foreign.items, undefined);
  });

  test('an empty list has no items; a throwing reader rejects the document', () => {
    assert.equal(readXmlSync('<L xmlns="urn:x"/>', { collectors: [collector] }).items, undefined);
    assert.throws(() => readXmlSync('<L xmlns="urn:x"><I>bad</I></L>', { collectors: [collector] }), /bad item/);
  });
});

describe('readXml refuses DTDs', () => {
  const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>';
  const laughs = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE lolz [',
    '<!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
    ']>',
    '<lolz>&lol9;</lolz>',
  ].join('\n');

  test('external entity (XXE) → XML_DTD_FORBIDDEN', () => {
    assert.throws(() => readXmlSync(xxe), code('XML_DTD_FORBIDDEN'));
  });

  test('billion laughs → XML_DTD_FORBIDDEN, quickly', async () => {
    const started = performance.now();
    assert.throws(() => readXmlSync(laughs), code('XML_DTD_FORBIDDEN'));
    await assert.rejects(readXml(chunksOf(Buffer.from(laughs), () => 7)), code('XML_DTD_FORBIDDEN'));
    assert.ok(performance.now() - started < 200);
  });

  test('a DOCTYPE split across chunks, or without an internal subset, is refused too', async () => {
    const bytes = Buffer.from('<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>');
    for (let size = 1; size < 12; size++) {
      await assert.rejects(readXml(chunksOf(bytes, () => size)), code('XML_DTD_FORBIDDEN'), `chunk size ${size}`);
    }
  });

  test('a never-ending internal subset is refused at its start, not buffered', async () => {
    let produced = 0;
    async function* endless(): AsyncGenerator<string> {
      yield '<?xml version="1.0"?><!DOCTYPE a [';
      for (;;) {
        produced++;
        yield '<!ENTITY e "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx">';
      }
    }
    await assert.rejects(readXml(endless()), code('XML_DTD_FORBIDDEN'));
    assert.ok(produced <= 1);
  });

  test('"<!DOCTYPE" inside the document body is plain text, not a DTD', () => {
    assert.equal(readXmlSync('<a><![CDATA[<!DOCTYPE x>]]></a>').text, '<!DOCTYPE x>');
  });

  test('undefined entities never expand', () => {
    assert.throws(() => readXmlSync('<a>&x;</a>'), code('XML_MALFORMED', /undefined entity/));
  });
});

describe('readXml reports malformed input with a position', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['truncated', '<?xml version="1.0"?><a><b>x</b>'],
    ['not XML', 'HTTP/1.1 502 Bad Gateway'],
    ['empty', ''],
    ['mismatched tags', '<a><b></a></b>'],
    ['unbound prefix', '<s:Envelope><s:Body/></s:Envelope>'],
    ['two roots', '<a/><b/>'],
    ['text after root', '<a/>junk'],
  ];
  for (const [name, xml] of cases) {
    test(name, async () => {
      assert.throws(() => readXmlSync(xml), code('XML_MALFORMED', /line \d+, column \d+|no root element/));
      await assert.rejects(readXml(chunksOf(Buffer.from(xml), () => 3)), code('XML_MALFORMED'));
    });
  }

  test('the position points at the problem', () => {
    assert.throws(
      () => readXmlSync('<a>\n  <b>\n</a>'),
      (e: unknown) => isSupsyncError(e, 'XML_MALFORMED') && e.details?.line === 3,
    );
  });

  test('invalid UTF-8 is malformed, not silently replaced', async () => {
    const bad = Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]);
    assert.throws(() => readXmlSync(bad), code('XML_MALFORMED', /UTF-8/));
    await assert.rejects(readXml(chunksOf(bad, () => 2)), code('XML_MALFORMED', /UTF-8/));
  });

  test('nesting deeper than the limit is refused', () => {
    const deep = `${'<a>'.repeat(100)}${'</a>'.repeat(100)}`;
    assert.throws(() => readXmlSync(deep), code('XML_MALFORMED', /nested deeper than 64/));
    assert.equal(readXmlSync(deep, { maxDepth: 100 }).local, 'a');
  });
});
