/**
 * New revisions of published documents, made the way Microsoft makes them: the same document with
 * a higher RevisionNumber and a new CreationDate, plus the change itself (a language added, or
 * PublicationState set to Expired). Everything else (rules, handler data, files) stays byte for
 * byte, which re-writing from the facts could not promise.
 *
 * The edits work on the compact form supsync's writer produces; a document in any other form is
 * left alone (the result is undefined), and every result is parsed back and checked against the
 * facts it should have.
 */
import { isDeepStrictEqual } from 'node:util';
import type { LocalizedProperties, StoredRevision, UpdateRevision } from '../catalog/model.ts';
import { parseUpdateDocument } from '../catalog/update-document.ts';
import { escapeXmlAttribute as escapeXml } from '../shared/xml-escape.ts';

export interface RevisionChange {
  readonly creationDate: string;
  /** A language to add to the localized properties. */
  readonly addLanguage?: LocalizedProperties;
  /** Publish the revision as Expired. */
  readonly expire?: boolean;
}

function replaceOnce(text: string, from: string, to: string): string | undefined {
  const at = text.indexOf(from);
  return at < 0 ? undefined : text.slice(0, at) + to + text.slice(at + from.length);
}

function localizedXml(l: LocalizedProperties): string {
  const description =
    l.description === undefined ? '' : `<upd:Description>${escapeXml(l.description)}</upd:Description>`;
  return `<upd:LocalizedProperties><upd:Language>${escapeXml(l.language)}</upd:Language><upd:Title>${escapeXml(l.title)}</upd:Title>${description}</upd:LocalizedProperties>`;
}

/** The next revision of `doc` with `change` applied, or undefined when the document cannot be edited so. */
export function reviseDocument(doc: StoredRevision, change: RevisionChange): StoredRevision | undefined {
  // The facts of the document itself, not the store's copy of them, are what the edit must keep.
  const old = parseUpdateDocument(doc.xml);
  const { updateId, revisionNumber } = old.identity;
  const identity = { updateId, revisionNumber: revisionNumber + 1 };
  let xml: string | undefined = replaceOnce(
    doc.xml,
    `<upd:UpdateIdentity UpdateID="${updateId}" RevisionNumber="${revisionNumber}" />`,
    `<upd:UpdateIdentity UpdateID="${updateId}" RevisionNumber="${identity.revisionNumber}" />`,
  );
  xml = xml && replaceOnce(xml, ` CreationDate="${old.creationDate}"`, ` CreationDate="${change.creationDate}"`);
  if (change.expire === true)
    xml = xml && replaceOnce(xml, ' PublicationState="Published"', ' PublicationState="Expired"');
  if (change.addLanguage !== undefined) {
    const close = '</upd:LocalizedPropertiesCollection>';
    xml = xml && replaceOnce(xml, close, localizedXml(change.addLanguage) + close);
  }
  if (xml === undefined) return undefined;
  const expected: UpdateRevision = {
    ...old,
    identity,
    creationDate: change.creationDate,
    publicationState: change.expire === true ? 'Expired' : old.publicationState,
    localized: change.addLanguage === undefined ? old.localized : [...old.localized, change.addLanguage],
  };
  const revision = parseUpdateDocument(xml);
  return isDeepStrictEqual(revision, expected) ? { revision, xml } : undefined;
}
