/**
 * The top of the key space (DESIGN.md "Keys and rows"): every table's keys start with
 * `t` + tableId (uint32 BE); rows continue with `r`, index entries with `i`.
 */

const TABLE_TAG = 0x74; // 't'
const ROW_TAG = 0x72; // 'r'

/** First key of a table: `t` + id. */
export function tableStart(tableId: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b[0] = TABLE_TAG;
  b.writeUInt32BE(tableId, 1);
  return b;
}

/** First key after every key of the table: the next table's start. */
export function tableEnd(tableId: number): Buffer {
  if (tableId >= 0xffffffff) return Buffer.from([TABLE_TAG + 1]);
  return tableStart(tableId + 1);
}

/** Prefix of every row key of the table: `t` + id + `r`. */
export function rowPrefix(tableId: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b[0] = TABLE_TAG;
  b.writeUInt32BE(tableId, 1);
  b[5] = ROW_TAG;
  return b;
}

/** The table id a key belongs to, or undefined for keys outside table space. */
export function tableIdOfKey(key: Buffer): number | undefined {
  if (key.length < 5 || key[0] !== TABLE_TAG) return undefined;
  return key.readUInt32BE(1);
}

/** Compares range bounds where null means +infinity. */
export function compareEnd(a: Buffer | null, b: Buffer | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return Buffer.compare(a, b);
}

/** Is key inside [start, end)? */
export function keyInRange(key: Buffer, start: Buffer, end: Buffer | null): boolean {
  return Buffer.compare(key, start) >= 0 && (end === null || Buffer.compare(key, end) < 0);
}
