import type { InventoryEvent, IoEvent } from '@virtsim/contracts';
import { spec } from '@virtsim/testing/decider';
import { checkToolsInstall } from './guest-tools.js';
import { clusterWithHosts, createdVm, given, vmSpec } from './inventory.fixtures.js';
import { vmDecider } from './vm.js';
import { evolveInventory } from './view.js';

const WIN2019 = { family: 'windows', version: '2019' };
const vmEvents = (running: boolean): InventoryEvent[] =>
  [...clusterWithHosts(1), ...createdVm('vm1', vmSpec('win-1', 'c1', { guestOs: WIN2019, nics: [{ model: 'virtio' }] }), 'h1', running)];
const toolsInstalled: IoEvent = { type: 'IoGuestToolsInstalled', data: { vmId: 'vm1' } };

describe('Guest Tools on an existing VM (F1, I3)', () => {
  it('only a running guest takes the Tools installer: a stopped VM is refused naming its state', () => {
    expect(checkToolsInstall(given(vmEvents(true)), 'vm1').id).toBe('vm1');
    expect(() => checkToolsInstall(given(vmEvents(false)), 'vm1')).toThrow(expect.objectContaining({ details: expect.objectContaining({ rule: 'vm.state', state: 'stopped' }) }));
    expect(() => checkToolsInstall(given(vmEvents(true)), 'vm9')).toThrow(expect.objectContaining({ code: 'not-found' }));
  });

  it('Windows 2019 without Tools: online memory change is refused; once io reports the Tools installed it is accepted', () => {
    const vms = spec(vmDecider);
    const grow = { type: 'ReconfigureVm', vmId: 'vm1', memoryMiB: 8192 } as const;
    vms.given(vmEvents(true)).when(grow).thenThrows('conflict', { rule: 'vm.pvDriversMissing' });
    const view = evolveInventory(given(vmEvents(true)), toolsInstalled);
    expect(view.vms.vm1.spec.toolsInstalled).toBe(true);
    vms.givenState(view).when(grow).then([{ type: 'VmReconfigured', data: { vmId: 'vm1', clusterId: 'c1', vcpus: 4, memoryMiB: 8192, pendingVcpus: null } }]);
  });
});
