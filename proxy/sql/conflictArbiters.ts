/**
 * INSERT … ON CONFLICT's arbiters: the unique constraints whose violation the clause
 * handles, as PostgreSQL infers them (infer_arbiter_indexes): every unique constraint for
 * DO NOTHING without a target; the ones whose columns are exactly the named columns, in
 * any order, for `ON CONFLICT (cols)`; the named one for `ON CONFLICT ON CONSTRAINT`. A
 * violation of any other constraint still fails the statement with 23505.
 */
import type { IndexDef, TableDef } from '../../common/catalog/schema';
import { SqlError, SqlState } from '../../common/errors';
import type { AstNode } from './parser';

/** The primary key, or a unique index (a UNIQUE constraint's or CREATE UNIQUE INDEX's). */
export type Arbiter = { readonly kind: 'pk' } | { readonly kind: 'unique'; readonly ix: IndexDef };

function noMatch(): SqlError {
  return new SqlError(
    SqlState.invalidColumnReference,
    'there is no unique or exclusion constraint matching the ON CONFLICT specification',
  );
}

/** `infer`: the clause's InferClause (undefined: no conflict target). */
export function conflictArbiters(table: TableDef, infer: AstNode | undefined): Arbiter[] {
  // An index still being built is not yet complete enough to say a value is free.
  const uniques = (table.indexes ?? []).filter((ix) => ix.unique && ix.building !== true);
  const all: Arbiter[] = [
    { kind: 'pk' },
    ...uniques.map((ix): Arbiter => ({ kind: 'unique', ix })),
  ];
  if (infer === undefined) return all;
  const nameOf = (id: number): string | undefined => table.columns.find((c) => c.id === id)?.name;
  const conname = infer.conname as string | undefined;
  if (conname !== undefined) {
    if (conname === (table.pkName ?? `${table.name}_pkey`)) return [{ kind: 'pk' }];
    const ix = uniques.find((i) => i.name === conname);
    if (ix === undefined)
      throw new SqlError(
        SqlState.undefinedObject,
        `constraint "${conname}" for table "${table.name}" does not exist`,
      );
    return [{ kind: 'unique', ix }];
  }
  const named = ((infer.indexElems as AstNode[] | undefined) ?? []).map(
    (e) => (e.IndexElem as AstNode).name as string | undefined,
  );
  // An expression (lower(email)) names no column: we have no expression indexes.
  if (named.length === 0 || named.some((n) => n === undefined)) throw noMatch();
  const wanted = new Set(named as string[]);
  const sameColumns = (ids: readonly number[]): boolean =>
    ids.length === wanted.size && ids.every((id) => wanted.has(nameOf(id) ?? ''));
  const out = all.filter((a) => sameColumns(a.kind === 'pk' ? table.primaryKey : a.ix.columns));
  if (out.length === 0) throw noMatch();
  return out;
}
