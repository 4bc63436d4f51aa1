// Which event-store stream each vrm event belongs to.
//
// API: vrmStreamId(event: VrmEvent): string
// Every inventory event of a cluster goes to `cluster-<clusterId>`: the cluster is the consistency boundary of
// the 128-host / 8,000-VM limits and of name uniqueness, so appending with the expected version of that one
// stream turns a concurrent double-add into a 409 (ConcurrencyError) instead of a 129th host. Sagas follow their
// cluster too; tasks have their own streams; the clock has one.
import type { VrmEvent } from '@virtsim/contracts';

export function vrmStreamId(event: VrmEvent): string {
  switch (event.type) {
    case 'ClockAdvanced': return 'clock';
    case 'VmCreationRequested': return `cluster-${event.data.spec.clusterId}`;
    case 'TaskCreated': case 'TaskProgressed': case 'TaskSucceeded': case 'TaskFailed': return `task-${event.data.taskId}`;
    default: return `cluster-${event.data.clusterId}`;
  }
}
