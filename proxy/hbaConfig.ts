/**
 * Host-based authentication rules from configuration, written as pg_hba.conf lines
 * (`TYPE DATABASE USER ADDRESS METHOD`, separated by newlines or `;`), e.g.
 *   --hba "host all all loopback trust; hostssl all all 0.0.0.0/0 scram-sha-256"
 * TYPE is host, hostssl or hostnossl; ADDRESS is all, loopback, an address or a CIDR;
 * METHOD is trust, reject, password, md5 or scram-sha-256. First match wins, as in PostgreSQL.
 */
import type { AuthMethod, HbaRule } from './pgwire';

const METHODS = new Set<AuthMethod>(['trust', 'reject', 'password', 'md5', 'scram-sha-256']);

export function parseHba(text: string): HbaRule[] {
  const rules: HbaRule[] = [];
  for (const raw of text.split(/[;\n]/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    if (fields.length !== 5)
      throw new Error(`hba rule "${line}" needs 5 fields: TYPE DATABASE USER ADDRESS METHOD`);
    const [type, database, user, address, method] = fields;
    if (type !== 'host' && type !== 'hostssl' && type !== 'hostnossl')
      throw new Error(`hba rule "${line}": type must be host, hostssl or hostnossl`);
    if (!METHODS.has(method as AuthMethod))
      throw new Error(`hba rule "${line}": unknown method "${method}"`);
    if (
      address !== 'all' &&
      address !== 'loopback' &&
      !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(address)
    ) {
      throw new Error(`hba rule "${line}": address must be all, loopback, an IP address or a CIDR`);
    }
    const rule: HbaRule = { address, user, database, method: method as AuthMethod };
    rules.push(type === 'host' ? rule : { ...rule, ssl: type === 'hostssl' });
  }
  if (rules.length === 0) throw new Error('no hba rules given');
  return rules;
}
