import { runRole, resolveSecret } from '../common/roleProcess';
import { proxyConfigSpec } from './config';
import { startProxyNode } from './server';

runRole('proxy', proxyConfigSpec, (raw) => raw.nodeName, (raw, logger) => {
  const { secretFile: _unused, ...rest } = raw;
  return startProxyNode({ ...rest, secret: resolveSecret(raw) }, logger).then((node) => {
    if (process.send) process.send({ ready: true, address: `${node.host}:${node.port}` });
    return node;
  });
});
