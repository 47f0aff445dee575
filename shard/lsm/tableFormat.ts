/**
 * Constants of the SSTable layout (FORMAT.md "SSTable"):
 *   data blocks · filter block · index block · footer (40 bytes)
 * Every block is followed by a 5-byte trailer: [type u8 = 0 (uncompressed)][crc32 u32 LE of
 * the block bytes and the type byte].
 * Footer: [indexOffset u48 LE + 2 zero bytes][indexSize u32 LE][filterOffset u48 LE + 2 zero
 * bytes][filterSize u32 LE][formatVersion u32 LE = 1][crc32 u32 LE of bytes 0..27]["SHRDSST1"].
 */
export const BLOCK_TRAILER = 5;
export const FOOTER_SIZE = 40;
export const TABLE_MAGIC = Buffer.from('SHRDSST1', 'ascii');
export const TABLE_FORMAT_VERSION = 1;

export interface BlockHandle {
  offset: number;
  size: number;
}
