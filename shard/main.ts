import { runRole, resolveSecret } from '../common/roleProcess';
import { shardConfigSpec } from './config';
import { startShardNode } from './server';

runRole(
  'shard',
  shardConfigSpec,
  (raw) => raw.nodeName,
  (raw, logger) => {
    const { secretFile: _unused, ...rest } = raw;
    return startShardNode({ ...rest, secret: resolveSecret(raw) }, logger).then((node) => {
      if (process.send) process.send({ ready: true, address: node.address, shardId: node.shardId });
      return node;
    });
  },
);
