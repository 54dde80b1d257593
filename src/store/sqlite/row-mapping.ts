/**
 * Column <-> field mapping for the bookkeeping tables, declared once per table so reads, inserts
 * and patches cannot drift apart. JSON columns hold arrays and objects; NULL means "absent".
 */

export interface FieldSpec {
  /** Property name in the record. */
  readonly key: string;
  readonly column: string;
  /** Stored as JSON text. */
  readonly json?: boolean;
}

/** A column value as bound to SQLite: never undefined, never a boolean. */
export type SqlValue = string | number | null;

/** Row -> record: NULL columns are left out (optional properties are absent, not undefined). */
export function fromRow(specs: readonly FieldSpec[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of specs) {
    const v = row[f.column];
    if (v === null || v === undefined) continue;
    out[f.key] = f.json === true ? JSON.parse(v as string) : v;
  }
  return out;
}

/** Record -> named parameters for every column (absent fields bind NULL). */
export function toParams(specs: readonly FieldSpec[], record: object): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  const values = record as Readonly<Record<string, unknown>>;
  for (const f of specs) {
    const v = values[f.key];
    out[f.column] = v === undefined || v === null ? null : f.json === true ? JSON.stringify(v) : (v as SqlValue);
  }
  return out;
}

/** Applies a patch where `undefined` keeps a field and `null` clears it. */
export function applyPatch(current: object, patch: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function columnList(specs: readonly FieldSpec[]): string {
  return specs.map((f) => f.column).join(', ');
}

export function namedParams(specs: readonly FieldSpec[]): string {
  return specs.map((f) => `@${f.column}`).join(', ');
}
