/**
 * Column <-> field mapping for the bookkeeping tables, declared once per table (record-columns.ts)
 * so reads, inserts and patches cannot drift apart, and so both adapters map rows alike. JSON
 * columns hold arrays and objects as text; NULL means "absent".
 */

export interface FieldSpec {
  /** Property name in the record. */
  readonly key: string;
  readonly column: string;
  /** Stored as JSON text. */
  readonly json?: boolean;
}

/** A column value as bound to either database: never undefined, never a boolean. */
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

function toValue(f: FieldSpec, v: unknown): SqlValue {
  return v === undefined || v === null ? null : f.json === true ? JSON.stringify(v) : (v as SqlValue);
}

/** Record -> named parameters for every column (absent fields bind NULL), for SQLite's `@column`. */
export function toParams(specs: readonly FieldSpec[], record: object): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  const values = record as Readonly<Record<string, unknown>>;
  for (const f of specs) out[f.column] = toValue(f, values[f.key]);
  return out;
}

/** Record -> positional parameters in the specs' order (absent fields bind NULL), for `$1, $2, …`. */
export function toValues(specs: readonly FieldSpec[], record: object): SqlValue[] {
  const values = record as Readonly<Record<string, unknown>>;
  return specs.map((f) => toValue(f, values[f.key]));
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

/** SQLite's named parameters, `@column`, in the specs' order. */
export function namedParams(specs: readonly FieldSpec[]): string {
  return specs.map((f) => `@${f.column}`).join(', ');
}

/** PostgreSQL's positional parameters, `$first, $first+1, …`, in the specs' order (see toValues). */
export function positionalParams(specs: readonly FieldSpec[], first = 1): string {
  return specs.map((_, i) => `$${first + i}`).join(', ');
}
