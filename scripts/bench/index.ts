/**
 * `npm run bench`: every benchmark section, one after another, each in its own process,
 * printing `bench <workload> sharddb=<x> postgres=<y> ratio=<x/y>` lines (or the
 * section's own comparison, e.g. `lsm … leveldb=…`). Figures, never pass/fail.
 *
 *   npm run bench                  every section
 *   npm run bench -- cluster lsm   only these sections
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const sections = ['cluster', 'wireOnly', 'sql', 'lsm', 'mvcc', 'meta', 'txn'];
const wanted = process.argv.slice(2);
let failed = 0;
for (const section of sections) {
  if (wanted.length > 0 && !wanted.includes(section)) continue;
  const script = path.join(__dirname, `${section}.js`);
  if (!fs.existsSync(script)) {
    console.log(`# section ${section}: not built yet`);
    continue;
  }
  console.log(`# section ${section}`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`# section ${section} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
