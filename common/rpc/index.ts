export { RpcClient } from './client';
export type { RpcClientOptions, CallOptions } from './client';
export { RpcServer } from './server';
export type { RpcServerOptions, RpcHandler, CallContext } from './server';
export { DEFAULT_MAX_FRAME_BYTES } from './frames';
