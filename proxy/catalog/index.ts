/** The catalog emulation: pg_catalog and information_schema as virtual tables, catalog functions. */
import './pgCatalog';
import './informationSchema';

export { catalogAccess, type CatalogAccess } from './access';
export { AdvisoryLocks, type AdvisoryLink, type AdvisoryRequest } from './advisoryLocks';
export {
  BackendTerminator,
  isSuperuser,
  type TerminateOutcome,
  type TerminateRequester,
} from './terminate';
export { SessionRegistry, type SessionEntry } from './sessions';
export { attachRuntime, runtimeOf, type CatalogRuntime } from './runtime';
export { callCatalogFunction, isRegType, regclassOut, needsSnapshot } from './functions';
export { compileCatalogCall, compileCatalogCast, compileRegexOp, asOid } from './compile';
export { findVirtual, isVirtual, type VirtualTableDef } from './virtualTable';
export { tableOid } from './oids';
export type { CatalogSnapshot, PgServices, PgSession } from './snapshot';
