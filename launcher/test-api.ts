// A small HTTP client for end-to-end tests: status and parsed body, bearer token per role.
export interface Reply<T = any> { status: number; body: T; type: string | null }

export function apiClient(base: string, token: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    const type = res.headers.get('content-type');
    const raw = Buffer.from(await res.arrayBuffer());
    const parsed = type?.includes('json') && raw.length ? JSON.parse(raw.toString('utf8')) : raw;
    return { status: res.status, body: parsed as T, type };
  };
  return {
    get: <T = any>(p: string) => call<T>('GET', p),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    patch: <T = any>(p: string, b: unknown) => call<T>('PATCH', p, b),
    delete: <T = any>(p: string) => call<T>('DELETE', p),
  };
}

export const hostSpec = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  cpu: { sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600, vendor: 'intel', model: 'Xeon Gold 6230', features: ['vmx', 'ept', 'vt-d', 'sse4_2', 'avx', 'avx2', 'aes', 'popcnt'] },
  memoryMiB: 131072, numaNodes: 2, hypervisor: { type: 'type1', mode: 'hardware-assisted', product: 'kvm' },
  ...over,
});

export const vmSpec = (clusterId: string, name: string, over: Record<string, unknown> = {}) => ({
  name, clusterId, vcpus: 2, memoryMiB: 4096, guestOs: { family: 'linux', distro: 'ubuntu', version: '22.04' },
  disks: [{ sizeGiB: 40, bus: 'virtio' }], nics: [{ model: 'virtio' }],
  ...over,
});

/** the whole log through GET /events, page by page (an export) */
export async function allEvents(api: ReturnType<typeof apiClient>): Promise<any[]> {
  const items: any[] = [];
  for (let after = 0; ;) {
    const page = (await api.get(`/events?after=${after}&limit=2000`)).body;
    items.push(...page.items);
    if (!page.nextCursor) return items;
    after = Number(page.nextCursor);
  }
}
