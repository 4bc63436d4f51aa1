// C6: on a type-2 host the host OS keeps 10 % of the CPU; placement caps MHz reservations at what is left.
import { hostCpuCapacity } from '../cpu/capacity.js';
import { placeVm } from './place.js';
import { clusterCreated, given, hostAdded, vmRequested, vmSpec } from './fixtures.spec.js';

const type2 = { hypervisor: { type: 'type2' as const, mode: 'hardware-assisted' as const, product: 'kvm' as const } };

describe('CPU reservations on a type-2 host (C6)', () => {
  it('2 x 8 x 2 x 2,600 = 83,200 MHz, host OS 8,320: 74,880 MHz reservable, 74,881 refused under cpu-capacity', () => {
    const fits = given(clusterCreated(), hostAdded('h2', type2), vmRequested('ok', { cpuReservationMhz: 74_880 }));
    expect(placeVm(fits, { vmId: 'ok', spec: vmSpec('ok', { cpuReservationMhz: 74_880 }) }).hostId).toBe('h2');
    const over = given(clusterCreated(), hostAdded('h2', type2), vmRequested('big', { cpuReservationMhz: 74_881 }));
    expect(() => placeVm(over, { vmId: 'big', spec: vmSpec('big', { cpuReservationMhz: 74_881 }) }))
      .toThrow(expect.objectContaining({ details: expect.objectContaining({ filters: [{ filter: 'cpu-capacity', rejected: 1 }] }) }));
  });

  it('a type-1 host keeps its hypervisor share too, as the CPU model\'s cpu.reservation rule does: kvm 81,536, xen 79,040 of 83,200 MHz', () => {
    for (const [product, mode, mhz] of [['kvm', 'hardware-assisted', 81_536], ['xen', 'paravirtual', 79_040]] as const) {
      const hv = { hypervisor: { type: 'type1' as const, mode, product } };
      const cap = hostCpuCapacity({ sockets: 2, coresPerSocket: 8, threadsPerCore: 2, mhz: 2600 }, hv.hypervisor);
      expect(cap.availableMhz).toBe(mhz);
      const state = given(clusterCreated(), hostAdded('h1', hv));
      expect(placeVm(state, { vmId: 'a', spec: vmSpec('a', { cpuReservationMhz: mhz }) }).hostId).toBe('h1');
      expect(() => placeVm(state, { vmId: 'b', spec: vmSpec('b', { cpuReservationMhz: mhz + 1 }) }))
        .toThrow(expect.objectContaining({ details: expect.objectContaining({ filters: [{ filter: 'cpu-capacity', rejected: 1 }] }) }));
    }
  });
});
