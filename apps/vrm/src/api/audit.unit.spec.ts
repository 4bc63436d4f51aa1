// Audit entries name the host a move went to (issue 19: VmRelocated showed the source host).
import type { RecordedEvent } from '@virtsim/contracts';
import { auditAction, toAuditItem } from './audit.controller.js';

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent =>
  ({ position: 7, streamId: 'vm-vm1', streamVersion: 3, eventId: 'e7', type, schemaVersion: 1, data, metadata: { simTime: 40 }, recordedAt: '' });

describe('toAuditItem', () => {
  it('VmRelocated: hostId is the target, fromHostId the source', () => {
    const item = toAuditItem(recorded('VmRelocated', { vmId: 'vm1', clusterId: 'c1', fromHostId: 'h1', toHostId: 'h2', reason: 'live-migration' }), 'placement');
    expect(item).toMatchObject({ vmId: 'vm1', hostId: 'h2', fromHostId: 'h1', rationale: 'live-migration', simTime: 40 });
  });

  it('an event about one host keeps it', () => {
    expect(toAuditItem(recorded('VmPlaced', { vmId: 'vm1', hostId: 'h3', reason: 'creation' }), 'placement')).toMatchObject({ hostId: 'h3', fromHostId: null });
    expect(toAuditItem(recorded('HostFenced', { hostId: 'h4' }), 'ha')).toMatchObject({ vmId: null, hostId: 'h4' });
  });
});

describe('auditAction (issue 15)', () => {
  it('rule compliance changes are "rules"; a host HA declares recovered is "ha"; a waiting restart is "ha"', () => {
    expect(['RuleComplianceChanged', 'HostRecovered', 'VmRestartWaiting', 'RuleCreated'].map(auditAction)).toEqual(['rules', 'ha', 'ha', null]);
  });
});

describe('audit sentences and why-not entries (issue 19)', () => {
  it('an event with a reason is told by it; a VM HA will not restart is a why-not entry of action "ha"', () => {
    const reason = 'VM web went down with host h1 and is not restarted: it is not HA-protected (ha.enabled is not set on the VM); start it by hand';
    const item = toAuditItem(recorded('VmRestartNotAttempted', { vmId: 'vm1', hostId: 'h1', why: 'vm-not-protected', reason }), auditAction('VmRestartNotAttempted')!);
    expect(item).toMatchObject({ action: 'ha', whyNot: true, sentence: reason, vmId: 'vm1', hostId: 'h1' });
    expect(auditAction('HaUnprotectedVmsChanged')).toBe('ha');
    expect(toAuditItem(recorded('HaUnprotectedVmsChanged', { unprotected: 2, reason: 'cluster HA is on but 2 running VMs are not HA-protected' }), 'ha').whyNot).toBe(true);
  });

  it('without a reason sentence: the type in words, what it is about and the rationale; a done action is not why-not', () => {
    const placed = toAuditItem(recorded('VmPlaced', { vmId: 'vm1', hostId: 'h3', rationale: 'initial placement' }), 'placement');
    expect([placed.sentence, placed.whyNot]).toEqual(['VM placed (VM vm1 on h3): initial placement', false]);
    expect(toAuditItem(recorded('DrsRecommendationMade', { vmId: 'vm2', fromHostId: 'h1', toHostId: 'h2', rationale: { reason: 'must-rule' } }), 'drs').sentence)
      .toBe('DRS recommendation made (VM vm2 from h1 to h2): must-rule');
    expect(toAuditItem(recorded('HostFenced', { hostId: 'h4', reason: 'host h4 has no power: its VMs cannot run' }), 'ha').sentence).toBe('host h4 has no power: its VMs cannot run');
  });
});
