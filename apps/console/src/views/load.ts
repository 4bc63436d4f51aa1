// Data a page reads beside the snapshot (joined service views, history, recommendations): read again on every
// new snapshot, so it stays live; the last answer stays on screen while the next one is in flight.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Api } from '../api.js';
import { useConsole } from '../store.js';

export interface Loaded<T> { data: T | null; error: ApiError | Error | null }

export function useLoad<T>(load: ((api: Api) => Promise<T>) | null, deps: unknown[]): Loaded<T> {
  const { api, version } = useConsole();
  const [out, setOut] = useState<Loaded<T>>({ data: null, error: null });
  useEffect(() => {
    if (!api || !load) { setOut({ data: null, error: null }); return; }
    let live = true;
    load(api).then((data) => { if (live) setOut({ data, error: null }); }, (error) => { if (live) setOut((o) => ({ data: o.data, error })); });
    return () => { live = false; };
  }, [api, version, ...deps]);
  return out;
}
