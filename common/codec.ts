/**
 * The one msgpack codec every role uses, for RPC bodies and stored values alike, so a
 * value means the same thing wherever it travels. Extension types carry what msgpack
 * lacks; their numbers are part of the on-wire and on-disk format (never reuse one).
 *
 * | ext type | value  | payload                                   |
 * |----------|--------|-------------------------------------------|
 * | 0        | bigint | signed decimal ASCII (any size)           |
 */
import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';

export const extensionCodec = new ExtensionCodec();

const EXT_BIGINT = 0;
extensionCodec.register({
  type: EXT_BIGINT,
  encode: (value: unknown) =>
    typeof value === 'bigint' ? Buffer.from(value.toString(10), 'latin1') : null,
  decode: (data: Uint8Array) =>
    BigInt(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')),
});

// Reused instances: constructing an Encoder per message costs more than encoding it.
const encoder = new Encoder({ extensionCodec, ignoreUndefined: true });
const decoder = new Decoder({ extensionCodec });

/** Encodes to a fresh byte array (safe to keep). */
export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodeValue(data: Uint8Array): unknown {
  return decoder.decode(data);
}

/** Binary fields decode as Uint8Array; this views one as a Buffer without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A decoded value with every byte field as a Buffer view (no copy), deeply: code that
 * compares or hex-encodes keys needs Buffer's methods.
 */
export function withBuffers(value: unknown): unknown {
  if (value instanceof Uint8Array) return asBuffer(value);
  if (Array.isArray(value)) return value.map(withBuffers);
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withBuffers(v);
    return out;
  }
  return value;
}

/**
 * withBuffers without the copy: turns every byte field of a freshly decoded value into a
 * Buffer in place and returns it. For a value nobody else holds (an RPC request body);
 * decoding from a Buffer already yields Buffers, so usually this only walks.
 */
export function buffersInPlace(value: unknown): unknown {
  if (value instanceof Uint8Array) return asBuffer(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (v !== null && typeof v === 'object') value[i] = buffersInPlace(v);
    }
    return value;
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const o = value as Record<string, unknown>;
    for (const k in o) {
      const v = o[k];
      if (v !== null && typeof v === 'object') o[k] = buffersInPlace(v);
    }
  }
  return value;
}
