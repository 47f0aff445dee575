import { runRole, resolveSecret } from '../common/roleProcess';
import { metaConfigSpec } from './config';
import { startMetaNode } from './server';

runRole(
  'meta',
  metaConfigSpec,
  (raw) => raw.nodeName,
  (raw, logger) =>
    startMetaNode({ ...raw, secret: resolveSecret(raw) }, logger).then((node) => {
      // The launcher reads this line to learn the address (port 0 picks a free one).
      if (process.send) process.send({ ready: true, address: node.address });
      return node;
    }),
);
