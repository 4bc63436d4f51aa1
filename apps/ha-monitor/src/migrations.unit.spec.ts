// The ha-monitor keeps the live / cold migrations in flight, for its fallback placer's anti-affinity (issue 15 item 7).
import type { RecordedEvent } from '@virtsim/contracts';
import { evolveHaMonitor, initialHaMonitorState } from './state.js';

let position = 0;
const rec = (type: string, data: Record<string, unknown>): RecordedEvent =>
  ({ position: ++position, streamId: 'migration-c1', streamVersion: position, eventId: `e${position}`, type, schemaVersion: 1, data, metadata: {}, recordedAt: '' });
const requested = (migrationId: string, kind: string, sourceHostId: string, targetHostId: string) =>
  rec('MigrationRequested', { migrationId, vmId: `vm-${migrationId}`, clusterId: 'c1', kind, sourceHostId, targetHostId });

describe('ha-monitor: migrations in flight', () => {
  it('a live and a cold move are kept with both ends until they end; a storage move (same host) is not', () => {
    const s = initialHaMonitorState();
    for (const e of [requested('m1', 'live', 'h1', 'h2'), requested('m2', 'cold', 'h2', 'h3'), requested('m3', 'storage', 'h1', 'h1')]) evolveHaMonitor(s, e);
    expect(s.migrations).toEqual({
      m1: { vmId: 'vm-m1', clusterId: 'c1', sourceHostId: 'h1', targetHostId: 'h2' },
      m2: { vmId: 'vm-m2', clusterId: 'c1', sourceHostId: 'h2', targetHostId: 'h3' },
    });
    evolveHaMonitor(s, rec('MigrationCompleted', { migrationId: 'm1', vmId: 'vm-m1' }));
    evolveHaMonitor(s, rec('MigrationCancelled', { migrationId: 'm2', vmId: 'vm-m2', at: 5, reason: 'x', rolledBack: true }));
    expect(s.migrations).toEqual({});
  });
});
