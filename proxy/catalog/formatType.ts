/** format_type(type_oid, typmod): the SQL spelling psql and information_schema show. */
import { TypeOid } from '../../common/types/datum';
import { elementType, typeInfo } from '../../common/types/typeTable';

const T = TypeOid;

function withMod(oid: number, tm: number): string {
  const info = typeInfo(oid);
  const base = info?.sqlName ?? '???';
  if (tm < 0) return base;
  switch (oid) {
    case T.varchar:
      return `character varying(${tm - 4})`;
    case T.bpchar:
      return `character(${tm - 4})`;
    case T.numeric: {
      const v = tm - 4;
      return `numeric(${(v >> 16) & 0xffff},${v & 0xffff})`;
    }
    case T.timestamp:
      return `timestamp(${tm}) without time zone`;
    case T.timestamptz:
      return `timestamp(${tm}) with time zone`;
    case T.time:
      return `time(${tm}) without time zone`;
    case T.interval:
      return `interval(${tm & 0xffff})`;
    default:
      return base;
  }
}

export function formatType(oid: number, tm: number | null): string {
  const elem = elementType(oid);
  if (elem !== 0 && typeInfo(oid)?.name.startsWith('_')) return `${withMod(elem, tm ?? -1)}[]`;
  if (!typeInfo(oid)) return '???';
  return withMod(oid, tm ?? -1);
}
