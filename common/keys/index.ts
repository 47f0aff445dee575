/** Key encoding and row values: the public face of common/keys (bytes in FORMAT.md). */
export { ByteReader, ByteWriter, KeyDecodeError } from './buffers';
export {
  decodeKey,
  encodeKey,
  indexKey,
  indexPrefix,
  keySuccessor,
  parseKeyPrefix,
  prefixEnd,
  rowKey,
  rowPrefix,
  tablePrefix,
  writeKeyColumns,
  KEY_INDEX,
  KEY_ROW,
  KEY_TABLE,
  type Direction,
  type ParsedKeyPrefix,
} from './keys';
export { decodeRow, encodeRow, type DecodedRow } from './rowCodec';
export { isKeyEncodable } from './valueEncoding';
