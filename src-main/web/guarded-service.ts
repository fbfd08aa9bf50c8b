// The engine as the browser mode exposes it: every path in an API call passes the path policy
// (service/path-policy.ts) before the engine sees it. Any local process that got hold of the
// token could call the API, so a call may not read devices or pipes, nor write a backup
// anywhere but under the user's home (or a folder the user chose).

import type { ApiMethod, Params } from '../../shared/api.js';
import type { PathPolicy } from '../service/path-policy.js';
import type { ApiService } from './api-socket.js';

async function checkedParams(method: ApiMethod, params: unknown, policy: PathPolicy): Promise<unknown> {
  const p = (params ?? {}) as Record<string, unknown>;
  switch (method) {
    case 'backup':
      return { ...p, folder: await policy.writableFolder(p.folder, 'backup folder') };
    case 'inspectPackage':
      return { ...p, path: await policy.readable(p.path, 'package', 'firmware package (its folder or .zip)') };
    case 'flash':
      return { ...p, packagePath: await policy.readable(p.packagePath, 'package', 'firmware package (its folder or .zip)') };
    case 'restore':
      return { ...p, file: await policy.readable(p.file, 'file', 'QCN backup') };
    default:
      return params;
  }
}

/** `service` with the path policy in front of every call that names a path. */
export function guardPaths(service: ApiService, policy: PathPolicy): ApiService {
  const call = async <M extends ApiMethod>(method: M, params: Params<M>): Promise<Awaited<ReturnType<ApiService['call']>>> =>
    service.call(method, (await checkedParams(method, params, policy)) as Params<M>);
  return { call: call as ApiService['call'], on: (listener) => service.on(listener) };
}
