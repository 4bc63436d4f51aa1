import { planEvacuation, requireEvacuation, type EvacuationVm } from './evacuation.js';
import { checkColdMigration, checkLiveMigration, coldCopyMiB, type MigrationHostFacts, type MigrationVmFacts, type MoveFacts } from './preconditions.js';

const host = (id: string, over: Partial<MigrationHostFacts> = {}): MigrationHostFacts =>
  ({ id, name: `host-${id}`, clusterId: 'c1', up: true, maintenance: false, migrationNetworkGbps: 10, cpuFeatures: ['sse4_2', 'avx', 'avx2'], ...over });
const vm = (over: Partial<MigrationVmFacts> = {}): MigrationVmFacts =>
  ({ id: 'v1', name: 'web', clusterId: 'c1', state: 'running', hostId: 'h1', memoryMiB: 2048, disksGiB: [], cpuFeatures: ['sse4_2', 'avx2'], passthroughDevices: [], ...over });
const facts = (over: Partial<MoveFacts> = {}): MoveFacts => ({ vm: vm(), source: host('h1'), target: host('h2'), capacity: { fits: true }, ...over });
const rule = (r: string) => expect.objectContaining({ details: expect.objectContaining({ rule: r }) });

describe('checkLiveMigration', () => {
  it('a running VM to an up host with the features and room passes', () => {
    expect(() => checkLiveMigration(facts())).not.toThrow();
  });
  it.each([
    ['VM not running', { vm: vm({ state: 'suspended' }) }, 'migration.vm-state'],
    ['source == target', { target: host('h1') }, 'migration.same-host'],
    ['VM not on the source', { vm: vm({ hostId: 'h9' }) }, 'migration.source'],
    ['target down', { target: host('h2', { up: false }) }, 'migration.target-host'],
    ['target in maintenance', { target: host('h2', { maintenance: true }) }, 'migration.target-host'],
    ['passthrough GPU', { vm: vm({ passthroughDevices: ['gpu:A100'] }) }, 'migration.passthrough'],
    ['target lacks avx2', { target: host('h2', { cpuFeatures: ['sse4_2', 'avx'] }) }, 'imc.features'],
  ] as const)('%s is refused with conflict rule %s', (_name, over, r) => {
    expect(() => checkLiveMigration(facts(over as Partial<MoveFacts>))).toThrow(rule(r));
  });
  it('no room on the target (scheduler refusal) is unprocessable migration.capacity with the scheduler\'s reason', () => {
    expect(() => checkLiveMigration(facts({ capacity: { fits: false, reason: 'needs 2048 MiB, 1024 MiB free' } })))
      .toThrow(expect.objectContaining({ code: 'unprocessable', message: 'VM web (v1) does not fit on host host-h2 (h2): needs 2048 MiB, 1024 MiB free' }));
  });
});

describe('checkColdMigration (C4)', () => {
  it('a stopped VM moves whatever the target CPU (no IMC) and may leave the cluster', () => {
    expect(() => checkColdMigration(facts({ vm: vm({ state: 'stopped' }), target: host('h2', { cpuFeatures: [], clusterId: 'c2' }) }))).not.toThrow();
  });
  it('a suspended VM is still bound by IMC: a target without avx2 is refused', () => {
    expect(() => checkColdMigration(facts({ vm: vm({ state: 'suspended' }), target: host('h2', { cpuFeatures: ['sse4_2'] }) }))).toThrow(rule('imc.features'));
  });
  it('copy size: disks 40 + 8 GiB = 49152 MiB + 1 MiB config', () => {
    expect(coldCopyMiB([40, 8])).toBe(49153);
  });
});

describe('leaving the cluster (C4, F11, seed L438)', () => {
  const c2 = (baselineFeatures: string[] | null) => ({ id: 'c2', name: 'east', baselineFeatures });
  const away = host('h2', { clusterId: 'c2' });
  it('a running VM moves live to a cluster whose baseline holds its power-on features (sse4_2, avx2)', () => {
    expect(() => checkLiveMigration(facts({ target: away, targetCluster: c2(['sse4_2', 'avx', 'avx2']) }))).not.toThrow();
  });
  it('a running VM moves live to a cluster without a baseline when the target host has its features', () => {
    expect(() => checkLiveMigration(facts({ target: away, targetCluster: c2(null) }))).not.toThrow();
  });
  it('a running VM above the target baseline is refused imc.baseline, naming the features and the fix', () => {
    expect(() => checkLiveMigration(facts({ target: away, targetCluster: c2(['sse4_2']) }))).toThrow(expect.objectContaining({
      code: 'conflict',
      message: 'VM web (v1) is running with CPU features beyond the IMC baseline of cluster east (c2): avx2; power it off and move it cold, or choose a cluster whose baseline has them',
      details: expect.objectContaining({ rule: 'imc.baseline', beyond: ['avx2'] }),
    }));
  });
  it('a suspended VM keeps its CPU state: the same baseline check refuses its cold move', () => {
    expect(() => checkColdMigration(facts({ vm: vm({ state: 'suspended' }), target: away, targetCluster: c2(['sse4_2']) }))).toThrow(rule('imc.baseline'));
  });
  it('a stopped VM leaves for any baseline (it takes the new one at its next power-on)', () => {
    expect(() => checkColdMigration(facts({ vm: vm({ state: 'stopped' }), target: away, targetCluster: c2(['sse4_2']) }))).not.toThrow();
  });
  it('a live move to another cluster without that cluster\'s facts is a caller error', () => {
    expect(() => checkLiveMigration(facts({ target: away }))).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});

describe('planEvacuation (maintenance / DPM)', () => {
  const vms: EvacuationVm[] = [
    { id: 'a', name: 'small', state: 'running', memoryMiB: 1024, passthroughDevices: [] },
    { id: 'b', name: 'big', state: 'running', memoryMiB: 8192, passthroughDevices: [] },
    { id: 'c', name: 'off', state: 'stopped', memoryMiB: 4096, passthroughDevices: [] },
  ];

  it('places in order big (8192), off (4096), small (1024): live for running VMs, cold for the stopped one', () => {
    const asked: string[] = [];
    const moves = requireEvacuation({ hostId: 'h1', hostName: 'esx1', vms, place: (v) => { asked.push(v.name); return { targetHostId: v.memoryMiB > 2000 ? 'h2' : 'h3' }; } });
    expect(asked).toEqual(['big', 'off', 'small']);
    expect(moves).toEqual([
      { vmId: 'b', kind: 'live', sourceHostId: 'h1', targetHostId: 'h2' },
      { vmId: 'c', kind: 'cold', sourceHostId: 'h1', targetHostId: 'h2' },
      { vmId: 'a', kind: 'live', sourceHostId: 'h1', targetHostId: 'h3' },
    ]);
  });

  it('refuses, listing every VM that cannot move and why: a passthrough VM and one the scheduler cannot place', () => {
    const plan = planEvacuation({
      hostId: 'h1', hostName: 'esx1',
      vms: [...vms, { id: 'g', name: 'gpu', state: 'running', memoryMiB: 2048, passthroughDevices: ['gpu:T4'] }],
      place: (v) => (v.name === 'big' ? { refusal: 'no host has 8192 MiB free' } : { targetHostId: 'h2' }),
    });
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.refusals.map((r) => r.vmId)).toEqual(['b', 'g']);
    expect(plan.error.code).toBe('unprocessable');
    expect(plan.error.message).toBe('host esx1 (h1) cannot be evacuated: VM big (b) no host has 8192 MiB free; VM gpu (g) has passthrough devices (gpu:T4): power it off or detach them');
  });
});
