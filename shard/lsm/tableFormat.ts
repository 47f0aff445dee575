/**
 * Constants of the SSTable layout (FORMAT.md "SSTable"):
 *   data blocks · filter block · index block · footer (40 bytes)
 * Every block is followed by a 5-byte trailer: [type u8 = 0 (uncompressed)][crc32 u32 LE of
 * the block bytes and the type byte].
 * Footer: [indexOffset u48 LE + 2 zero bytes][indexSize u32 LE][filterOffset u48 LE, filter
 * policy u8 (version 2; zero in version 1), zero byte][filterSize u32 LE][formatVersion u32
 * LE][crc32 u32 LE of bytes 0..27]["SHRDSST1"].
 * Version 1: the filter holds whole keys. Version 2: byte 18 names the filter policy
 * (filterPolicy.ts). Whole-key tables are still written as version 1, byte for byte as
 * before, so only tables with a prefix policy need a reader that knows version 2.
 */
export const BLOCK_TRAILER = 5;
export const FOOTER_SIZE = 40;
export const TABLE_MAGIC = Buffer.from('SHRDSST1', 'ascii');
export const TABLE_FORMAT_VERSION = 1;
export const TABLE_FORMAT_VERSION_POLICY = 2;
/** Footer offset of the filter policy byte (version 2). */
export const FOOTER_POLICY_OFFSET = 18;

export interface BlockHandle {
  offset: number;
  size: number;
}
