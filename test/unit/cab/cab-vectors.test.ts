import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CabMember, extractCabinet, openCabinet } from '../../../src/wsusss/cab/index.ts';
import { expected, isCabError, outcome, readVector, sha256 } from './cab-test-helpers.ts';

// Every vector in shared/fixtures/cab-vectors (libmspack's and cabextract's test cabinets) known
// when these lists were made is sorted into exactly one group below, each with its own checks. A
// vector added to the set later is held to what cabextract did with it (the last group).

/** Single cabinets cabextract extracts cleanly: our members must equal its list. */
const VALID = [
  'case-ascii.cab',
  'case-utf8.cab',
  'dir.cab',
  'dirwalk-vulns.cab',
  'encoding-koi8.cab',
  'encoding-latin1.cab',
  'encoding-sjis.cab',
  'hidden-files.cab',
  'large-files-cab.cab',
  'normal_255c_filename.cab',
  'normal_2files_1folder.cab',
  'normal_2files_2folders.cab',
  'reserve_---.cab',
  'reserve_--D.cab',
  'reserve_-F-.cab',
  'reserve_-FD.cab',
  'reserve_H--.cab',
  'reserve_H-D.cab',
  'reserve_HF-.cab',
  'reserve_HFD.cab',
  'simple.cab',
  'utf8-stresstest.cab',
];
/** One Quantum folder among MSZIP and LZX ones. */
const WITH_QUANTUM = ['mixed.cab', 'mszip_lzx_qtm.cab'];
/** Parts of multi-cabinet sets: CAB_UNSUPPORTED. */
const MULTI = [1, 2, 3, 4, 5].flatMap((i) => [`split-${i}.cab`, `multi_basic_pt${i}.cab`]);
/** Cabinets embedded in other data, found by cabextract's search mode; we only read offset 0. */
const EMBEDDED = ['search.cab', 'search_basic.cab', 'search_tricky1.cab'];
/**
 * Malformed or hostile, which cabextract refused too, and one Quantum-only cabinet it extracted:
 * a clean CAB_CORRUPT / CAB_UNSUPPORTED, fast.
 */
const QUANTUM_ONLY = ['cve-2010-2801-qtm-flush.cab'];
const HOSTILE = [
  ...Object.keys(expected).filter(
    (name) =>
      /^(bad_|partial_|cve-|filename-read-violation-|hidden-file-|lzx-main-tree-no-lengths|qtm-)/.test(name) &&
      expected[name]?.cabextract_exit !== 0,
  ),
  ...QUANTUM_ONLY,
];
const LISTED = new Set([...VALID, ...WITH_QUANTUM, ...MULTI, ...EMBEDDED, ...HOSTILE]);
/** Vectors added to the set after these lists were made. */
const LATER = Object.keys(expected).filter((name) => !LISTED.has(name));

/**
 * expected.json stores names the way Python's os.fsdecode read cabextract's output files: bytes
 * that are not UTF-8 appear as lone surrogates U+DC80..U+DCFF. This gives back those bytes.
 */
function writtenBytes(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    parts.push(cp >= 0xdc80 && cp <= 0xdcff ? Buffer.from([cp - 0xdc00]) : Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

/**
 * The bytes cabextract would use as a file name for one of our members. Our API keeps names as
 * stored: UTF-8-flagged names decoded as UTF-8 (we compare their UTF-8 bytes), other names as
 * ISO-8859-1 (we compare their latin1 bytes, i.e. the raw stored bytes, which is what cabextract
 * writes for KOI8, Shift-JIS and Latin-1 names). cabextract then sanitises paths, which our
 * decoder deliberately does not; the test applies the rules the vectors show: a cabinet whose names
 * contain '/' is taken to use Unix separators (a '\' stays a character), otherwise '\' is the
 * separator and becomes '/'; leading separators go, a ".." component becomes "xx", "" becomes "x".
 */
function asCabextractNames(m: CabMember, unixSeparators: boolean): Buffer {
  const utf = (m.attributes & 0x80) !== 0;
  let s = Buffer.from(m.name, utf ? 'utf8' : 'latin1').toString('latin1'); // one char per byte
  if (!unixSeparators) s = s.replaceAll('\\', '/');
  s = s.replace(/^[\\/]+/, '');
  s = s
    .split(/([\\/])/)
    .map((part) => (part === '..' ? 'xx' : part))
    .join('');
  return Buffer.from(s === '' ? 'x' : s, 'latin1');
}

const key = (name: Buffer, size: number, hash: string) => `${name.toString('hex')} ${size} ${hash}`;

/** Our members of `name` against the files cabextract wrote for it: same names, sizes and hashes. */
function assertSameMembers(name: string, members: readonly CabMember[]): void {
  const want = expected[name]!;
  assert.equal(want.cabextract_exit, 0);
  const unix = members.some((m) => m.name.includes('/'));
  const ours = members.map((m) => ({
    name: asCabextractNames(m, unix),
    size: m.data.length,
    hash: sha256(m.data),
  }));
  const theirs = want.members.map((m) => ({ name: writtenBytes(m.name), size: m.size, hash: m.sha256 }));
  const invalidUtf8 = (m: CabMember) => /[\ufffd\ufffe\uffff]/.test(m.name);
  const sanitised = new Set(ours.map((m) => m.name.toString('hex')));
  if (members.some(invalidUtf8) || sanitised.size < ours.length) {
    // Names that sanitise to the same file, which cabextract overwrote (dirwalk-vulns.cab), or
    // names that are not valid UTF-8, which cabextract's own decoder reads otherwise than the
    // standard one we use: it accepts overlong 3- and 4-byte forms (so E0 80 AF becomes a '/'),
    // drops U+FFFE/U+FFFF and replaces per byte (utf8-stresstest.cab). So every name of ours that
    // is plain valid UTF-8 must be among cabextract's, and the invalid ones are checked to come out
    // with U+FFFD in the test below.
    const theirKeys = new Set(theirs.map((m) => key(m.name, m.size, m.hash)));
    const comparable = ours.filter((_, i) => !invalidUtf8(members[i]!));
    assert.ok(comparable.length > 0, name);
    for (const m of comparable) assert.ok(theirKeys.has(key(m.name, m.size, m.hash)), m.name.toString('latin1'));
    assert.ok(members.length >= want.members.length);
    return;
  }
  const sorted = (list: typeof ours) => list.map((m) => key(m.name, m.size, m.hash)).sort();
  assert.deepEqual(sorted(ours), sorted(theirs));
}

describe('cab vectors: cabinets cabextract extracts', () => {
  for (const name of VALID) {
    test(name, () => assertSameMembers(name, extractCabinet(readVector(name))));
  }

  test('names are returned as stored, not sanitised', () => {
    const names = extractCabinet(readVector('dirwalk-vulns.cab')).map((m) => m.name);
    assert.ok(names.includes('/absolute/../../and/relative/path'));
    assert.ok(names.includes('\\absolute\\path\\reverse\\slashes'));
    // Overlong forms of '/' are not decoded as '/': each maximal invalid subpart becomes U+FFFD.
    assert.ok(names.includes('relative\ufffd\ufffd\ufffd..\ufffd\ufffd\ufffd..\ufffd\ufffd\ufffdpath3b'));
    assert.ok(names.includes('\ufffd\ufffdabsolute\ufffd\ufffdpath2b'));
    const latin1 = extractCabinet(readVector('encoding-latin1.cab')).map((m) => m.name);
    assert.ok(latin1.includes(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0xe0 + i))));
  });
});

describe('cab vectors: a Quantum folder next to others', () => {
  for (const name of WITH_QUANTUM) {
    test(`${name}: MSZIP and LZX members decode, the Quantum one is CAB_UNSUPPORTED`, () => {
      const reader = openCabinet(readVector(name));
      const want = new Map(expected[name]!.members.map((m) => [m.name, m]));
      const decoded = reader.extract((m) => m.compression !== 'quantum');
      assert.deepEqual(decoded.map((m) => m.name).sort(), ['lzx.txt', 'mszip.txt']);
      for (const m of decoded) assert.equal(sha256(m.data), want.get(m.name)?.sha256, m.name);
      assert.throws(
        () => reader.extract((m) => m.compression === 'quantum'),
        (e) => isCabError(e) && e.code === 'CAB_UNSUPPORTED' && /Quantum/.test(e.message),
      );
      // The whole cabinet at once fails the same way: all or nothing.
      assert.throws(
        () => extractCabinet(readVector(name)),
        (e) => isCabError(e) && e.code === 'CAB_UNSUPPORTED',
      );
    });
  }
});

describe('cab vectors: cabinet sets and embedded cabinets', () => {
  for (const name of MULTI) {
    test(`${name} → CAB_UNSUPPORTED`, () => {
      assert.throws(
        () => extractCabinet(readVector(name)),
        (e) => isCabError(e) && e.code === 'CAB_UNSUPPORTED' && /multi-cabinet set/.test(e.message),
      );
    });
  }
  for (const name of EMBEDDED) {
    test(`${name} → rejected (no cabinet at offset 0, or a set member)`, () => {
      assert.throws(() => extractCabinet(readVector(name)), isCabError);
    });
  }
});

describe('cab vectors: malformed and hostile', () => {
  // cabextract extracted a few members of some of these before failing (e.g. cve-2014-9732,
  // whose second folder has an unknown method); we fail the whole cabinet instead.
  for (const name of HOSTILE) {
    test(`${name} → CAB_CORRUPT or CAB_UNSUPPORTED within 1 s`, () => {
      const { error, ms } = outcome(() => extractCabinet(readVector(name)));
      assert.ok(isCabError(error), `${name}: ${String(error)}`);
      assert.ok(ms < 1000, `${name} took ${ms} ms`);
    });
  }

  test('every listed vector is in the set, and in exactly one group', () => {
    const groups = [...VALID, ...WITH_QUANTUM, ...MULTI, ...EMBEDDED, ...HOSTILE];
    assert.equal(new Set(groups).size, groups.length);
    for (const name of groups) assert.ok(name in expected, `${name} is not in expected.json`);
  });
});

describe('cab vectors added later, held to what cabextract did with them', () => {
  // A cabinet cabextract extracted gives the same files, or is refused for what supsync leaves out:
  // Quantum and cabinet sets (CAB_UNSUPPORTED), and cabinets embedded in other data, which
  // cabextract's search mode finds and supsync, reading a blob from its start, does not. One
  // cabextract refused ends in a cabinet error, fast.
  for (const name of LATER) {
    test(name, () => {
      let members: CabMember[] | undefined;
      const { error, ms } = outcome(() => {
        members = extractCabinet(readVector(name));
      });
      if (expected[name]?.cabextract_exit !== 0) {
        assert.ok(isCabError(error), `${name}: ${String(error)}`);
        assert.ok(ms < 1000, `${name} took ${ms} ms`);
        return;
      }
      if (error !== undefined) {
        assert.ok(isCabError(error), `${name}: ${String(error)}`);
        const left = error.code === 'CAB_UNSUPPORTED' ? /Quantum|multi-cabinet set/ : /signature at offset 0/;
        assert.match(error.message, left, name);
        return;
      }
      assertSameMembers(name, members ?? []);
    });
  }
});
