// Creating VMs: the request and its task are appended together (nothing is written when the request
// is refused), then the creation saga runs in the background.
import { Injectable } from '@nestjs/common';
import { conflict, invalid, type FieldError, type VmSpec } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { SagaRunner } from './saga-runner.js';
import { nextId, streams, type VrmState } from './state.js';
import { Vrm, type Append } from './vrm.service.js';

const CHUNK = 250;

@Injectable()
export class VmCreation {
  constructor(private readonly vrm: Vrm, private readonly sagas: SagaRunner) {}

  async create(spec: VmSpec): Promise<{ vmId: string; taskId: string }> {
    const r = await this.vrm.run((s) => {
      const vmId = nextId(s, 'vm');
      const taskId = nextId(s, 't');
      return { appends: requestAppends(s, vmId, taskId, spec, null), result: { vmId, taskId } };
    });
    this.sagas.start(r.vmId);
    return r;
  }

  /** one task for many VMs: the whole batch is checked first (names, limits, clusters), then created in chunks */
  async createBatch(specs: VmSpec[]): Promise<{ taskId: string; vmIds: string[] }> {
    precheckBatch(this.vrm.state, specs);
    const batch = await this.vrm.run((s) => {
      const taskId = nextId(s, 't');
      const children = specs.map((_, i) => ({ taskId: nextId(s, 't', i + 1), kind: 'vm.create', target: nextId(s, 'vm', i) }));
      const events = inventory.taskDecider.decide({ type: 'CreateBatchTask', taskId, kind: 'vm.batch', children }, s.tasks);
      return {
        appends: events.map((e) => ({ streamId: streams.task(e.data.taskId), events: [e] })),
        result: { taskId, children },
      };
    });
    const vmIds: string[] = [];
    for (let i = 0; i < specs.length; i += CHUNK) {
      const chunk = specs.slice(i, i + CHUNK);
      await this.vrm.run((s) => {
        const appends = chunk.flatMap((spec, k) => {
          const child = batch.children[i + k];
          return requestAppends(s, child.target, child.taskId, spec, 'exists');
        });
        return { appends, result: {} };
      });
      for (let k = 0; k < chunk.length; k++) {
        vmIds.push(batch.children[i + k].target);
        this.sagas.start(batch.children[i + k].target);
      }
    }
    return { taskId: batch.taskId, vmIds };
  }
}

/** VmCreationRequested (+ its task unless the task exists already) */
function requestAppends(s: VrmState, vmId: string, taskId: string, spec: VmSpec, task: 'exists' | null): Append[] {
  const events = inventory.vmDecider.decide({ type: 'RequestVmCreation', vmId, spec }, s.inventory);
  const appends: Append[] = [{ streamId: streams.vm(vmId), events }];
  if (task === null) {
    appends.push({ streamId: streams.task(taskId), events: inventory.taskDecider.decide({ type: 'CreateTask', taskId, kind: 'vm.create', target: vmId }, s.tasks) });
  }
  return appends;
}

/** what the per-VM decider cannot see: the batch's own names and its total against the cluster limit */
function precheckBatch(s: VrmState, specs: VmSpec[]): void {
  const errors: FieldError[] = [];
  const seen = new Map<string, number>();
  const perCluster = new Map<string, number>();
  specs.forEach((spec, i) => {
    const key = `${spec.clusterId}/${spec.name}`;
    if (seen.has(key)) errors.push({ path: `vms.${i}.name`, message: `duplicate of vms.${seen.get(key)}.name (${spec.name})` });
    seen.set(key, i);
    perCluster.set(spec.clusterId, (perCluster.get(spec.clusterId) ?? 0) + 1);
  });
  if (errors.length) throw invalid(`batch is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
  for (const [clusterId, n] of perCluster) {
    const c = inventory.requireCluster(s.inventory, clusterId);
    if (c.vmCount + n > inventory.CLUSTER_LIMITS.maxVms) {
      throw conflict('cluster.maxVms', `cluster ${c.spec.name} holds ${c.vmCount} VMs; ${n} more exceed the limit of ${inventory.CLUSTER_LIMITS.maxVms}`,
        { clusterId, limit: inventory.CLUSTER_LIMITS.maxVms, requested: n });
    }
  }
  // each VM against the current inventory (names taken, vCPUs vs hosts...), before anything is written
  specs.forEach((spec) => inventory.validateVmCreation(s.inventory, '\u0000', spec));
}
