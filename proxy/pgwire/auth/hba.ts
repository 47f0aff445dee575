/**
 * Host-based authentication rules (pg_hba.conf semantics): the first rule matching the
 * client's address, user, database and TLS state decides the method; no match rejects.
 */
import { isIP } from 'node:net';
import type { AuthMethod, HbaRule } from '../config';

export function chooseAuthMethod(
  rules: readonly HbaRule[],
  remoteAddress: string,
  user: string,
  database: string,
  ssl: boolean,
): AuthMethod | undefined {
  for (const r of rules) {
    if (r.ssl !== undefined && r.ssl !== ssl) continue;
    if (r.user !== 'all' && r.user !== user) continue;
    if (r.database !== 'all' && r.database !== database) continue;
    if (!addressMatches(r.address, remoteAddress)) continue;
    return r.method;
  }
  return undefined;
}

export function addressMatches(pattern: string, address: string): boolean {
  if (pattern === 'all') return true;
  const addr = parseAddress(address);
  if (addr === undefined) return false;
  if (pattern === 'loopback') {
    return addr.v6 ? addr.bits === 1n : addr.bits >> 24n === 127n;
  }
  const slash = pattern.indexOf('/');
  const net = parseAddress(slash < 0 ? pattern : pattern.slice(0, slash));
  if (net === undefined || net.v6 !== addr.v6) return false;
  const width = addr.v6 ? 128 : 32;
  const prefix = slash < 0 ? width : Number(pattern.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return false;
  const shift = BigInt(width - prefix);
  return addr.bits >> shift === net.bits >> shift;
}

interface ParsedAddress {
  readonly v6: boolean;
  readonly bits: bigint;
}

/** IPv4 (also as ::ffff:a.b.c.d, which Node reports for v4 clients on dual-stack) or IPv6. */
function parseAddress(a: string): ParsedAddress | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped !== null) a = mapped[1];
  const kind = isIP(a);
  if (kind === 4) {
    let bits = 0n;
    for (const p of a.split('.')) bits = (bits << 8n) | BigInt(Number(p));
    return { v6: false, bits };
  }
  if (kind === 6) {
    const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups =
      tail === undefined
        ? h
        : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    let bits = 0n;
    for (const g of groups) bits = (bits << 16n) | BigInt(parseInt(g, 16));
    return { v6: true, bits };
  }
  return undefined;
}
