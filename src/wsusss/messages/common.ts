/**
 * Readers and writers for the types several messages share: GUIDs, dateTimes, cookies and update
 * identities.
 */

import type { UpdateIdentity } from '../../catalog/model.ts';
import { isGuid, normalizeGuid } from '../../catalog/model.ts';
import { Fields, soapMalformed, WSUS_NS } from '../soap/envelope.ts';
import type { ItemCollector } from '../soap/xml-reader.ts';
import type { XmlWriter } from '../soap/xml-writer.ts';
import { escapeXmlText } from '../soap/xml-writer.ts';
import type { AuthorizationCookie, Cookie } from './types.ts';

/**
 * `{ key: value }` when the value is defined, else `{}`: with exactOptionalPropertyTypes an absent
 * optional field must be left out, not set to undefined.
 */
export function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A GUID field, normalised to lower case; anything else is SOAP_MALFORMED. */
export function parseGuid(text: string, field: string): string {
  const guid = normalizeGuid(text);
  if (!isGuid(guid)) throw soapMalformed(`${field} is not a GUID: ${JSON.stringify(text.slice(0, 40))}`);
  return guid;
}

const DATE_TIME_RE = /^\s*(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?\s*$/;

/**
 * Parses an xs:dateTime. Fractions beyond milliseconds are dropped (WSUS writes up to 7 digits);
 * a value without a zone is taken as UTC, which is what ASP.NET means by it for these fields.
 */
export function parseDateTime(text: string, field: string): Date {
  const m = DATE_TIME_RE.exec(text);
  const bad = () => soapMalformed(`${field} is not an xs:dateTime: ${JSON.stringify(text.slice(0, 40))}`);
  if (m === null) throw bad();
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) throw bad();
  const millis = frac === undefined ? 0 : Math.floor(Number(`0${frac}`) * 1000);
  let time = Date.UTC(Number(y), month - 1, day, hour, minute, second, millis);
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    time -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw bad();
  return date;
}

/** Formats a Date as xs:dateTime in UTC with milliseconds, e.g. `2026-10-04T20:33:26.654Z`. */
export function formatDateTime(date: Date): string {
  return date.toISOString();
}

/** Builds a cookie to hand out (server side). */
export function makeCookie(expirationDate: Date, encryptedData: string): Cookie {
  return { expiration: formatDateTime(expirationDate), expirationDate, encryptedData };
}

/** Reads a `Cookie` (`Expiration`, `EncryptedData`). */
export function readCookie(f: Fields): Cookie {
  const expiration = f.text('Expiration');
  return {
    expiration,
    expirationDate: parseDateTime(expiration, `${f.path}/Expiration`),
    encryptedData: f.text('EncryptedData'),
  };
}

/** Writes the children of a `Cookie`, wrapped in `name`. */
export function writeCookie(w: XmlWriter, name: string, cookie: Cookie): void {
  w.open(name).leaf('Expiration', cookie.expiration).leaf('EncryptedData', cookie.encryptedData).close(name);
}

/** Reads an `AuthorizationCookie` (`PlugInId`, `CookieData`). */
export function readAuthorizationCookie(f: Fields): AuthorizationCookie {
  return { plugInId: f.text('PlugInId'), cookieData: f.text('CookieData') };
}

/** Writes the children of an `AuthorizationCookie`, wrapped in `name`. */
export function writeAuthorizationCookie(w: XmlWriter, name: string, cookie: AuthorizationCookie): void {
  w.open(name).leaf('PlugInId', cookie.plugInId).leaf('CookieData', cookie.cookieData).close(name);
}

/**
 * Reads an `UpdateIdentity` (`UpdateID`, `RevisionNumber`). This runs once per entry of a revision
 * list (up to hundreds of thousands), so it scans the two children directly instead of by lookup.
 */
export function readUpdateIdentity(f: Fields): UpdateIdentity {
  let id: string | undefined;
  let rev: string | undefined;
  const { ns, children } = f.el;
  for (const c of children) {
    if (c.ns !== ns) continue;
    if (c.local === 'UpdateID') id = c.text;
    else if (c.local === 'RevisionNumber') rev = c.text;
  }
  return {
    updateId: parseGuid(id ?? f.missing('UpdateID'), `${f.path}/UpdateID`),
    revisionNumber: parseRevisionNumber(rev ?? f.missing('RevisionNumber'), `${f.path}/RevisionNumber`),
  };
}

/**
 * The two lists of update identities that can be long (a revision list: up to hundreds of
 * thousands; an update request: up to the batch size), converted while parsing.
 */
export const UPDATE_IDENTITY_COLLECTORS: readonly ItemCollector[] = Object.freeze([
  collectorFor('NewRevisions', 'GetRevisionIdListResponse/GetRevisionIdListResult/NewRevisions/UpdateIdentity'),
  collectorFor('updateIds', 'GetUpdateData/updateIds/UpdateIdentity'),
]);

function collectorFor(list: string, path: string): ItemCollector {
  return { ns: WSUS_NS, list, item: 'UpdateIdentity', read: (el) => readUpdateIdentity(new Fields(el, path)) };
}

/**
 * Reads a literal array of `UpdateIdentity` named `local`, whether its items were collected while
 * parsing ({@link UPDATE_IDENTITY_COLLECTORS}) or are still in the tree; undefined when absent.
 */
export function readUpdateIdentityList(f: Fields, local: string): UpdateIdentity[] | undefined {
  const collected = f.opt(local)?.items as UpdateIdentity[] | undefined;
  return collected ?? f.optList(local, 'UpdateIdentity', readUpdateIdentity);
}

const REVISION_RE = /^\s*\d{1,10}\s*$/;

function parseRevisionNumber(text: string, field: string): number {
  const n = REVISION_RE.test(text) ? Number(text) : Number.NaN;
  if (!(n <= 2147483647))
    throw soapMalformed(`${field} is not a revision number: ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

/**
 * Writes an `UpdateIdentity`, wrapped in `name`. One part per identity: a revision list can hold
 * hundreds of thousands.
 */
export function writeUpdateIdentity(w: XmlWriter, name: string, id: UpdateIdentity): void {
  const rev = id.revisionNumber;
  if (!Number.isSafeInteger(rev)) throw soapMalformed(`RevisionNumber must be an integer, got ${rev}`);
  w.raw(`<${name}><UpdateID>${escapeXmlText(id.updateId)}</UpdateID><RevisionNumber>${rev}</RevisionNumber></${name}>`);
}
