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
