/**
 * psql (and old clients) end text-format COPY data with a line holding only `\.`.
 * PostgreSQL's COPY FROM STDIN stops reading there (copyfromparse.c: "end-of-copy
 * marker"), whatever follows. This filter passes the data before the marker and drops the
 * marker and the rest, holding back at most two bytes when a chunk ends mid-marker.
 * (In CSV a quoted field could hold such a line; PostgreSQL 15 treats it as the marker
 * too, so we do the same.)
 */
export interface CopyEndFilter {
  /** The bytes to pass on from this chunk (possibly empty). */
  feed(chunk: Buffer): Buffer;
  /** At CopyDone: what was held back, unless it was the marker itself. */
  finish(): Buffer;
  readonly ended: boolean;
}

const empty = Buffer.alloc(0);
const backslash = 0x5c;
const dot = 0x2e;
const nl = 0x0a;
const cr = 0x0d;

export function copyEndMarkerFilter(): CopyEndFilter {
  let ended = false;
  let atLineStart = true;
  let held: Buffer = empty;

  return {
    get ended() {
      return ended;
    },
    feed(chunk: Buffer): Buffer {
      if (ended) return empty;
      const data = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      held = empty;
      const len = data.length;
      let i = atLineStart ? 0 : lineAfter(data, 0);
      while (i >= 0 && i < len) {
        if (data[i] === backslash) {
          if (i + 1 >= len || (data[i + 1] === dot && i + 2 >= len)) {
            held = Buffer.from(data.subarray(i));
            atLineStart = true;
            return data.subarray(0, i);
          }
          if (data[i + 1] === dot && (data[i + 2] === nl || data[i + 2] === cr)) {
            ended = true;
            return data.subarray(0, i);
          }
        }
        i = lineAfter(data, i);
      }
      atLineStart = len > 0 && data[len - 1] === nl;
      return data;
    },
    finish(): Buffer {
      const h = held;
      held = empty;
      if (ended) return empty;
      if (h.length === 2 && h[0] === backslash && h[1] === dot) {
        ended = true;
        return empty;
      }
      return h;
    },
  };
}

/** Index just after the next newline at or after `from`, or -1. */
function lineAfter(data: Buffer, from: number): number {
  const j = data.indexOf(nl, from);
  return j < 0 ? -1 : j + 1;
}
