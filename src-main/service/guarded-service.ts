// The engine as both front ends expose it: every path in an API call passes the path policy
// (path-policy.ts) before the engine sees it. In browser mode any local process that got hold of
// the token could call the API; in the desktop app a compromised page could. So a call may not
// read devices or pipes, nor write a backup anywhere but under the user's home (or a folder the
// user chose).

import type { ApiEvent, ApiMethod, Params, Result } from '../../shared/api.js';
import type { PathPolicy } from './path-policy.js';

/** What a front end calls: the API's methods and its pushed events. */
export interface ApiService {
  call<M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>>;
  on(listener: (e: ApiEvent) => void): () => void;
}

async function checkedParams(method: ApiMethod, params: unknown, policy: PathPolicy): Promise<unknown> {
  const p = (params ?? {}) as Record<string, unknown>;
  switch (method) {
    case 'backup':
      return { ...p, folder: await policy.writableFolder(p.folder, 'backup folder') };
    case 'inspectPackage':
      return { ...p, path: await policy.readable(p.path, 'package', 'firmware package (its folder or .zip)') };
    case 'flash':
    case 'flashAll':
      return {
        ...p,
        packagePath: await policy.readable(p.packagePath, 'package', 'firmware package (its folder or .zip)'),
      };
    case 'restore':
      return { ...p, file: await policy.readable(p.file, 'file', 'QCN backup') };
    default:
      return params;
  }
}

/** `service` with the path policy in front of every call that names a path; its other members as they are. */
export function guardPaths<S extends ApiService>(service: S, policy: PathPolicy): S {
  const call = async <M extends ApiMethod>(method: M, params: Params<M>): Promise<Result<M>> =>
    service.call(method, (await checkedParams(method, params, policy)) as Params<M>);
  return new Proxy(service, {
    get(target, prop, receiver) {
      if (prop === 'call') return call;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
