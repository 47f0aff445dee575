export { startProxyNode } from './server';
export type { ProxyNode } from './server';
export { proxyConfigSpec } from './config';
export type { ProxyConfig } from './config';
