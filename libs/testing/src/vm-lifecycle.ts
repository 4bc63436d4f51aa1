// A VM's state changes as the log tells them (the seeded cluster stream, then its own stream), with every
// hop that does not start where the previous one ended or is not allowed by VM_TRANSITIONS listed.
import type { RecordedEvent, VmState } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';

export interface VmLifecycle { states: VmState[]; events: RecordedEvent[]; unlawful: string[] }

export async function vmLifecycle(store: { readStream(id: string): Promise<RecordedEvent[]> }, vmId: string, clusterId: string): Promise<VmLifecycle> {
  const seeded = (await store.readStream(`cluster-${clusterId}`)).filter((e) => (e.data as { vmId?: string }).vmId === vmId);
  const own = await store.readStream(`vm-${vmId}`);
  const states: VmState[] = [];
  const unlawful: string[] = [];
  let at: VmState = 'creating';
  for (const e of [...seeded, ...own]) {
    if (e.type !== 'VmStateChanged') continue;
    const d = e.data as { from: VmState; to: VmState };
    if (d.from !== at) unlawful.push(`#${e.position} starts from ${d.from}, the VM was ${at}`);
    if (!inventory.canTransition(d.from, d.to)) unlawful.push(`#${e.position} ${d.from} -> ${d.to} is not a VM transition`);
    at = d.to;
    states.push(d.to);
  }
  return { states, events: own, unlawful };
}

/** vmLifecycle for a test: fails it on any unlawful hop */
export async function lawfulLifecycle(store: { readStream(id: string): Promise<RecordedEvent[]> }, vmId: string, clusterId: string): Promise<VmLifecycle> {
  const r = await vmLifecycle(store, vmId, clusterId);
  expect(r.unlawful).toEqual([]);
  return r;
}
