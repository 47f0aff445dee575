/** The rows of a virtual table for the running statement (executor's `virtual` leaf). */
import { SqlError, SqlState } from '../../common/errors';
import type { TableDef } from '../../common/catalog/schema';
import type { Datum } from '../../common/types/datum';
import type { EvalCtx } from '../../common/expr/expr';
import { runtimeOf } from './runtime';
import { isVirtual } from './virtualTable';

export function virtualRows(table: TableDef, ev: EvalCtx): Datum[][] {
  const snap = runtimeOf(ev)?.snapshot;
  if (!isVirtual(table) || !snap)
    throw new SqlError(
      SqlState.featureNotSupported,
      `${table.schema}.${table.name} cannot be read here`,
    );
  return table.virtual.rows(snap);
}
