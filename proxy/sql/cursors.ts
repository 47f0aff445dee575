/**
 * SQL cursors of one session: DECLARE … CURSOR, FETCH, MOVE, CLOSE (PostgreSQL 15,
 * src/backend/commands/portalcmds.c and tcop/pquery.c DoPortalRunFetch).
 *
 * A cursor's query runs once, when it is declared, in the declaring statement's snapshot;
 * FETCH and MOVE then step through its rows (the executor hands results over whole, as it
 * does for a protocol-level portal with a row limit). Positions follow PostgreSQL: 0 is
 * before the first row, 1…n on a row, n+1 after the last. A cursor WITHOUT HOLD ends with
 * its transaction; one WITH HOLD outlives the commit (its rows are already materialised)
 * and is dropped if its creating transaction rolls back.
 */
import { SqlError, SqlState } from '../../common/errors';
import type { Datum } from '../../common/types/datum';
import type { ColumnDescription } from '../engine';
import type { AstNode } from './parser';

/** parsenodes.h CURSOR_OPT_* bits of DeclareCursorStmt.options. */
export const CursorOpt = {
  binary: 0x1,
  scroll: 0x2,
  noScroll: 0x4,
  hold: 0x20,
} as const;

/** FETCH counts at or above this mean ALL (libpg-query reports FETCH_ALL as INT_MAX). */
const FETCH_ALL = 2147483647;

export type FetchDirection = 'forward' | 'backward' | 'absolute' | 'relative';

export interface FetchCommand {
  readonly name: string;
  readonly direction: FetchDirection;
  /** Row count (forward/backward) or position (absolute/relative); Infinity for ALL. */
  readonly count: number;
  readonly move: boolean;
}

export function readFetch(stmt: AstNode): FetchCommand {
  const dir = String(stmt.direction ?? 'FETCH_FORWARD');
  const raw = Number(stmt.howMany ?? 0);
  const direction: FetchDirection =
    dir === 'FETCH_BACKWARD'
      ? 'backward'
      : dir === 'FETCH_ABSOLUTE'
        ? 'absolute'
        : dir === 'FETCH_RELATIVE'
          ? 'relative'
          : 'forward';
  const all = (direction === 'forward' || direction === 'backward') && raw >= FETCH_ALL;
  return {
    name: String(stmt.portalname ?? ''),
    direction,
    count: all ? Infinity : raw,
    move: stmt.ismove === true,
  };
}

export interface CursorInfo {
  readonly name: string;
  readonly statement: string;
  readonly hold: boolean;
  readonly binary: boolean;
  readonly scrollable: boolean;
  readonly created: Date;
}

interface Cursor extends CursorInfo {
  readonly columns: readonly ColumnDescription[];
  rows: Datum[][];
  pos: number;
  /** Declared in the transaction now open (dropped with it if it rolls back). */
  fresh: boolean;
}

function noCursor(name: string): SqlError {
  return new SqlError(SqlState.invalidCursorName, `cursor "${name}" does not exist`);
}

export class CursorSet {
  private readonly cursors = new Map<string, Cursor>();

  /** 42P03 before the query runs, as PostgreSQL checks it. */
  checkFree(name: string): void {
    if (this.cursors.has(name))
      throw new SqlError(SqlState.duplicateCursor, `cursor "${name}" already exists`);
  }

  declare(
    info: Omit<CursorInfo, 'created'>,
    columns: readonly ColumnDescription[],
    rows: Datum[][],
  ): void {
    this.checkFree(info.name);
    this.cursors.set(info.name, {
      ...info,
      created: new Date(),
      columns,
      rows,
      pos: 0,
      fresh: true,
    });
  }

  columnsOf(name: string): readonly ColumnDescription[] | null {
    return this.cursors.get(name)?.columns ?? null;
  }

  /** FETCH / MOVE: the rows (none for MOVE) and the tag. */
  fetch(cmd: FetchCommand): { rows: Datum[][]; tag: string } {
    const c = this.cursors.get(cmd.name);
    if (c === undefined) throw noCursor(cmd.name);
    const n = c.rows.length;
    const out: Datum[][] = [];
    const verb = cmd.move ? 'MOVE' : 'FETCH';
    const backwardAllowed = (): void => {
      if (!c.scrollable)
        throw new SqlError(SqlState.objectNotInPrerequisiteState, 'cursor can only scan forward', {
          hint: 'Declare it with SCROLL option to enable backward scan.',
        });
    };
    const take = (at: number): void => {
      if (!cmd.move) out.push(c.rows[at - 1]);
    };
    let moved = 0;
    switch (cmd.direction) {
      case 'forward': {
        if (cmd.count === 0) {
          // FETCH FORWARD 0 re-reads the current row.
          if (c.pos >= 1 && c.pos <= n) {
            take(c.pos);
            moved = 1;
          }
          break;
        }
        while (moved < cmd.count && c.pos < n) {
          c.pos++;
          take(c.pos);
          moved++;
        }
        if (moved < cmd.count) c.pos = n + 1;
        break;
      }
      case 'backward': {
        backwardAllowed();
        if (cmd.count === 0) {
          if (c.pos >= 1 && c.pos <= n) {
            take(c.pos);
            moved = 1;
          }
          break;
        }
        while (moved < cmd.count && c.pos > 1) {
          c.pos = Math.min(c.pos, n + 1) - 1;
          take(c.pos);
          moved++;
        }
        if (moved < cmd.count) c.pos = 0;
        break;
      }
      case 'absolute':
      case 'relative': {
        const target =
          cmd.direction === 'absolute'
            ? cmd.count >= 0
              ? cmd.count
              : n + 1 + cmd.count
            : c.pos + cmd.count;
        if (target < c.pos) backwardAllowed();
        c.pos = Math.max(0, Math.min(target, n + 1));
        if (c.pos >= 1 && c.pos <= n) {
          take(c.pos);
          moved = 1;
        }
        break;
      }
    }
    return { rows: out, tag: `${verb} ${moved}` };
  }

  close(name: string): void {
    if (!this.cursors.delete(name)) throw noCursor(name);
  }

  closeAll(): void {
    this.cursors.clear();
  }

  /** The session's transaction ended: cursors WITHOUT HOLD go; WITH HOLD stay if it committed. */
  transactionEnded(committed: boolean): void {
    for (const [name, c] of this.cursors) {
      if (!c.hold || (!committed && c.fresh)) this.cursors.delete(name);
      else c.fresh = false;
    }
  }

  list(): CursorInfo[] {
    return [...this.cursors.values()].map(
      ({ name, statement, hold, binary, scrollable, created }) => ({
        name,
        statement,
        hold,
        binary,
        scrollable,
        created,
      }),
    );
  }
}
