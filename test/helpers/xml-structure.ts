/**
 * Compares two XML documents by structure: element namespaces and local names, child order,
 * attributes (namespace declarations and prefixes ignored) and leaf text. Built directly on saxes,
 * not on the codec's reader, so a bug there cannot hide itself in the comparison.
 */
import { SaxesParser } from 'saxes';

/** One element as the comparison sees it. */
export interface StructureNode {
  readonly name: string;
  readonly attrs: readonly string[];
  readonly children: StructureNode[];
  text: string;
}

/** Parses `xml` into {@link StructureNode}s; names are `{namespace}local`. */
export function xmlStructure(xml: string): StructureNode {
  const parser = new SaxesParser({ xmlns: true });
  const stack: StructureNode[] = [];
  let root: StructureNode | undefined;
  parser.on('opentag', (tag) => {
    const attrs = Object.values(tag.attributes)
      .filter((a) => a.uri !== 'http://www.w3.org/2000/xmlns/')
      .map((a) => `{${a.uri}}${a.local}=${a.value}`)
      .sort();
    const node: StructureNode = { name: `{${tag.uri}}${tag.local}`, attrs, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent === undefined) root = node;
    else parent.children.push(node);
    stack.push(node);
  });
  parser.on('closetag', () => void stack.pop());
  const addText = (t: string) => {
    const top = stack.at(-1);
    if (top !== undefined) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(xml).close();
  if (root === undefined) throw new Error('no root element');
  return root;
}

/** Decides whether two leaf texts at `path` count as equal (default: identical strings). */
export type LeafComparer = (path: string, actual: string, expected: string) => boolean;

/** Lists the differences between two structures, each with the path where it occurs. */
export function structureDifferences(
  actual: StructureNode,
  expected: StructureNode,
  sameLeaf?: LeafComparer,
): string[] {
  const out: string[] = [];
  walk(actual, expected, expected.name, sameLeaf, out);
  return out;
}

function walk(
  a: StructureNode,
  e: StructureNode,
  path: string,
  sameLeaf: LeafComparer | undefined,
  out: string[],
): void {
  if (a.name !== e.name) {
    out.push(`${path}: element ${a.name} instead of ${e.name}`);
    return;
  }
  if (a.attrs.join(' ') !== e.attrs.join(' ')) out.push(`${path}: attributes [${a.attrs}] instead of [${e.attrs}]`);
  if (e.children.length === 0 && a.children.length === 0) {
    const equal = sameLeaf === undefined ? a.text === e.text : sameLeaf(path, a.text, e.text);
    if (!equal)
      out.push(
        `${path}: text ${JSON.stringify(a.text.slice(0, 80))} instead of ${JSON.stringify(e.text.slice(0, 80))}`,
      );
    return;
  }
  // Between child elements only whitespace may stand; mixed content does not occur in SOAP.
  if (a.text.trim() !== e.text.trim()) out.push(`${path}: mixed text differs`);
  const n = Math.max(a.children.length, e.children.length);
  for (let i = 0; i < n; i++) {
    const ac = a.children[i];
    const ec = e.children[i];
    const childPath = `${path}/${(ec ?? ac)?.name.replace(/^\{[^}]*\}/, '')}[${i}]`;
    if (ac === undefined) out.push(`${childPath}: missing`);
    else if (ec === undefined) out.push(`${childPath}: unexpected ${ac.name}`);
    else walk(ac, ec, childPath, sameLeaf, out);
  }
}
