import { DEMO, demoPlan } from './demo.js';

describe('demoPlan', () => {
  it('an empty installation gets the cluster, 4 hosts and 8 VMs', () => {
    const plan = demoPlan({ cluster: false, hostNames: [], vmNames: [] });
    expect(plan).toEqual({ cluster: true, hosts: ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C0_H2', 'DC0_C0_H3'], vms: [0, 1, 2, 3, 4, 5, 6, 7] });
  });

  it('the whole demo present: nothing to do', () => {
    const hostNames = Array.from({ length: DEMO.hosts }, (_, i) => `DC0_C0_H${i}`);
    const vmNames = Array.from({ length: DEMO.vms }, (_, i) => `DC0_C0_VM${i}`);
    expect(demoPlan({ cluster: true, hostNames, vmNames })).toEqual({ cluster: false, hosts: [], vms: [] });
  });

  it('only what is missing, by name; other objects in the cluster are left alone', () => {
    expect(demoPlan({ cluster: true, hostNames: ['DC0_C0_H0', 'DC0_C0_H2', 'esx-other'], vmNames: ['DC0_C0_VM7', 'web01'] }))
      .toEqual({ cluster: false, hosts: ['DC0_C0_H1', 'DC0_C0_H3'], vms: [0, 1, 2, 3, 4, 5, 6] });
  });
});
