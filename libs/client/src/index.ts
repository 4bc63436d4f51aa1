// The typed virtsim client: openapi-fetch over the `paths` openapi-typescript generated from the document the vrm
// serves (schema.ts; `npm run client:generate`). Every call is checked against the API at compile time:
//   const api = virtsimClient({ baseUrl: 'http://localhost:8080', token });
//   const { data, error } = await api.GET('/api/v1/vms/{id}', { params: { path: { id: 'vm-1' } } });
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths } from './schema.js';
export type VirtsimClient = Client<paths>;
/** a named schema of the document: `Schema<'Vm'>`, `Schema<'Problem'>` */
export type Schema<K extends keyof components['schemas']> = components['schemas'][K];

export interface VirtsimClientOptions extends ClientOptions {
  /** an API token (VIRTSIM_API_TOKENS or the admin token `npm start` prints); sent as a bearer token */
  token?: string;
}

export function virtsimClient({ token, headers, ...options }: VirtsimClientOptions = {}): VirtsimClient {
  return createClient<paths>({
    baseUrl: 'http://localhost:8080',
    ...options,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}
