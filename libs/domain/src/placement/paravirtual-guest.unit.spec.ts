// C5 (seed L181): a Windows guest cannot be paravirtualized; placement refuses a paravirtual host for it, naming why.
import { placeVm } from './place.js';
import { clusterCreated, given, hostAdded, vmRequested, vmSpec } from './fixtures.spec.js';
import { VirtsimError } from '@virtsim/contracts';

const pv = { hypervisor: { type: 'type1' as const, mode: 'paravirtual' as const, product: 'xen' as const } };
const windows = { guestOs: { family: 'windows' as const, version: '2019' } };

describe('placement filter cpu-mode (C5)', () => {
  it('a Windows VM skips the paravirtual Xen host and lands on the hardware-assisted one', () => {
    const state = given(clusterCreated(), hostAdded('h-pv', pv), hostAdded('h-hvm'), vmRequested('win-1', windows));
    expect(placeVm(state, { vmId: 'win-1', spec: vmSpec('win-1', windows) }).hostId).toBe('h-hvm');
  });

  it('only paravirtual hosts: 422 placement.noHost, cpu-mode rejected 2, and the message says why', () => {
    const state = given(clusterCreated(), hostAdded('h-pv1', pv), hostAdded('h-pv2', pv), vmRequested('win-1', windows));
    let error: unknown;
    try { placeVm(state, { vmId: 'win-1', spec: vmSpec('win-1', windows) }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(VirtsimError);
    const e = error as VirtsimError;
    expect(e.details.rule).toBe('placement.noHost');
    expect(e.details).toMatchObject({ filters: [{ filter: 'cpu-mode', rejected: 2 }] });
    expect(e.message).toContain('cpu-mode: 2 (a paravirtual host needs a modified guest kernel, and Windows cannot be modified (C5))');
  });

  it('a Linux VM (modifiable kernel) is placed on the paravirtual host', () => {
    const state = given(clusterCreated(), hostAdded('h-pv', pv), vmRequested('lin-1'));
    expect(placeVm(state, { vmId: 'lin-1', spec: vmSpec('lin-1') }).hostId).toBe('h-pv');
  });
});
