/**
 * No Docker engine runs on our machines, so compose.yaml is checked statically: every
 * service starts a real entry point with flags its role accepts, addresses and ports
 * agree, every stateful node has a volume, the secret comes from the environment.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig, parseAddress, ConfigSpec } from '../../../common/config';
import { formatPeers, metaConfigSpec, validatePeers } from '../../../meta/config';
import type { MetaConfig } from '../../../meta/config';
import { shardConfigSpec } from '../../../shard/config';
import { proxyConfigSpec } from '../../../proxy/config';

const root = path.resolve(__dirname, '../../../..');
const distRoot = path.resolve(__dirname, '../../..');

interface Service {
  command: string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: string[];
}

const compose = parse(fs.readFileSync(path.join(root, 'compose.yaml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const specs: Record<string, ConfigSpec<Record<string, unknown>>> = {
  meta: metaConfigSpec as unknown as ConfigSpec<Record<string, unknown>>,
  shard: shardConfigSpec as unknown as ConfigSpec<Record<string, unknown>>,
  proxy: proxyConfigSpec as unknown as ConfigSpec<Record<string, unknown>>,
};

function roleOf(service: Service): string {
  const m = /^dist\/(meta|shard|proxy)\/main\.js$/.exec(service.command[1] ?? '');
  if (!m || service.command[0] !== 'node')
    throw new Error(`unexpected command ${service.command.join(' ')}`);
  return m[1];
}

function configOf(service: Service): Record<string, unknown> {
  return loadConfig(specs[roleOf(service)], service.command.slice(2), {
    SHARDDB_CLUSTER_SECRET: 'x',
  });
}

describe('compose.yaml', () => {
  const services = Object.entries(compose.services);

  it('runs 3 meta, 3 shards and 1 proxy, each a real entry point with flags its role accepts', () => {
    const roles = services.map(([, s]) => roleOf(s)).sort();
    expect(roles).to.deep.equal(['meta', 'meta', 'meta', 'proxy', 'shard', 'shard', 'shard']);
    for (const [name, s] of services) {
      expect(
        fs.existsSync(path.join(distRoot, roleOf(s), 'main.js')),
        `${name}: ${s.command[1]}`,
      ).to.equal(true);
      const config = configOf(s);
      expect(config.nodeName, `${name} node name`).to.equal(name);
    }
  });

  it('addresses agree: advertised names are the services, meta addresses point at meta', () => {
    const metaAddresses = new Set<string>();
    for (const [name, s] of services) {
      if (roleOf(s) === 'proxy') continue;
      const c = configOf(s) as { listen: string; advertise: string };
      const adv = parseAddress(c.advertise);
      expect(adv.host, `${name} advertises its service name`).to.equal(name);
      expect(adv.port, `${name} advertises the port it listens on`).to.equal(
        parseAddress(c.listen).port,
      );
      if (roleOf(s) === 'meta') metaAddresses.add(c.advertise);
    }
    for (const [name, s] of services) {
      if (roleOf(s) === 'meta') continue;
      const c = configOf(s) as { meta: string[] };
      for (const a of c.meta) expect(metaAddresses.has(a), `${name} --meta ${a}`).to.equal(true);
      expect([...c.meta].sort(), `${name} knows every meta node`).to.deep.equal(
        [...metaAddresses].sort(),
      );
      for (const dep of ['meta1', 'meta2', 'meta3'])
        expect(s.depends_on ?? [], `${name} depends on meta`).to.include(dep);
    }
  });

  it('the meta nodes form one Raft group: the same --peers everywhere, each its own id at its own address', () => {
    const metas = services
      .filter(([, s]) => roleOf(s) === 'meta')
      .map(([name, s]) => [name, configOf(s) as unknown as MetaConfig] as const);
    const first = formatPeers(metas[0][1].peers);
    const ids = new Set<number>();
    for (const [name, c] of metas) {
      expect(formatPeers(c.peers), `${name} --peers`).to.equal(first);
      expect(validatePeers(c), `${name}`).to.deep.equal([]);
      const self = c.peers.find((p) => p.id === c.nodeId);
      expect(self?.address, `${name} is in --peers under its advertised address`).to.equal(
        c.advertise,
      );
      ids.add(c.nodeId);
    }
    expect(ids.size, 'distinct node ids').to.equal(metas.length);
    expect(
      metas[0][1].peers.map((p) => p.id).sort(),
      'peers are exactly the meta services',
    ).to.deep.equal([...ids].sort());
  });

  it('every stateful node keeps its data dir on a named volume of its own', () => {
    const used = new Set<string>();
    for (const [name, s] of services) {
      if (roleOf(s) === 'proxy') continue;
      const c = configOf(s) as { dataDir: string };
      const mount = (s.volumes ?? [])
        .map((v) => v.split(':'))
        .find(([, target]) => target === c.dataDir);
      expect(mount, `${name} mounts a volume at ${c.dataDir}`).to.not.equal(undefined);
      const volume = (mount as string[])[0];
      expect(compose.volumes).to.have.property(volume);
      expect(used.has(volume), `${name}'s volume ${volume} is its own`).to.equal(false);
      used.add(volume);
    }
  });

  it('publishes the proxy port it listens on, and takes the secret from the environment', () => {
    const [, proxy] = services.find(([, s]) => roleOf(s) === 'proxy') as [string, Service];
    const listenPort = parseAddress((configOf(proxy) as { listen: string }).listen).port;
    expect((proxy.ports ?? []).some((p) => p.endsWith(`:${listenPort}`))).to.equal(true);
    for (const [name, s] of services) {
      expect(s.environment?.SHARDDB_CLUSTER_SECRET, name).to.match(/^\$\{SHARDDB_CLUSTER_SECRET/);
    }
  });

  it('the Dockerfile copies every source folder and builds', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const dir of ['common', 'meta', 'shard', 'proxy', 'scripts']) {
      expect(dockerfile).to.match(new RegExp(`^COPY ${dir} ${dir}$`, 'm'));
    }
    expect(dockerfile).to.include('npm run build');
  });
});
