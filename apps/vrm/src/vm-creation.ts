// Creating VMs: the request and its task are appended together (nothing is written when the request
// is refused), then the creation saga runs in the background.
import { Injectable } from '@nestjs/common';
import { conflict, invalid, VirtsimError, type FieldError, type VmFile, type VmSpec } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import { endBatch, SagaRunner } from './saga-runner.js';
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

  /** C3: the VM of an exported file, under its own id unless this installation issued it (vm-file.ts planVmImport);
   *  its BIOS and, suspended, its saved state go with the request; `name` makes a copy (new id, new BIOS uuid) */
  async import(file: VmFile, target: { clusterId: string; name?: string }): Promise<{ vmId: string; taskId: string; copy: boolean }> {
    const r = await this.vrm.run((s) => {
      const plan = inventory.planVmImport(s.inventory, file, { ...target, issued: (id) => Object.hasOwn(s.vmTasks, id), newVmId: nextId(s, 'vm') });
      const taskId = nextId(s, 't');
      return { appends: requestAppends(s, plan.vmId, taskId, plan.spec, null, plan), result: { vmId: plan.vmId, taskId, copy: plan.copy } };
    });
    this.sagas.start(r.vmId);
    return r;
  }

  /** one task for many VMs: the whole batch is checked first (names, limits, clusters), then created in chunks */
  async createBatch(specs: VmSpec[]): Promise<{ taskId: string; vmIds: string[] }> {
    precheckBatch(this.vrm.state, specs);
    // the tasks go with the first chunk's requests: a refusal there (a name taken meanwhile) writes nothing
    const batch = await this.vrm.run((s) => {
      const taskId = nextId(s, 't');
      const children = specs.map((_, i) => ({ taskId: nextId(s, 't', i + 1), kind: 'vm.create', target: nextId(s, 'vm', i) }));
      const events = inventory.taskDecider.decide({ type: 'CreateBatchTask', taskId, kind: 'vm.batch', children }, s.tasks);
      const tasks = events.map((e) => ({ streamId: streams.task(e.data.taskId), events: [e] }));
      return { appends: [...tasks, ...chunkAppends(s, specs, children, 0)], result: { taskId, children } };
    });
    const vmIds: string[] = [];
    for (let i = 0; i < specs.length; i += CHUNK) {
      if (i > 0) {
        try {
          await this.vrm.run((s) => ({ appends: chunkAppends(s, specs, batch.children, i), result: {} }));
        } catch (err) {
          // the batch is answered 202 already in effect (its first VMs are being created): the children not
          // requested end failed with the reason, so the batch task ends too
          await this.failChildren(batch.children.slice(i), VirtsimError.from(err));
          await endBatch(this.vrm, batch.taskId);
          break;
        }
      }
      for (const child of batch.children.slice(i, i + CHUNK)) {
        vmIds.push(child.target);
        this.sagas.start(child.target);
      }
    }
    return { taskId: batch.taskId, vmIds };
  }

  private async failChildren(children: { taskId: string }[], e: VirtsimError): Promise<void> {
    const error = { code: e.code, message: `not requested: ${e.message}`, details: e.details };
    for (let i = 0; i < children.length; i += CHUNK) {
      await this.vrm.run((s) => {
        // each child's end on its own stream; the batch's progress follows from them, its end comes after (endBatch)
        const appends = children.slice(i, i + CHUNK).map((c) => ({
          streamId: streams.task(c.taskId), events: inventory.taskDecider.decide({ type: 'FailTask', taskId: c.taskId, error }, s.tasks),
        }));
        return { appends, result: {} };
      });
    }
  }
}

/** the VmCreationRequested of the chunk that starts at `at` */
function chunkAppends(s: VrmState, specs: VmSpec[], children: { taskId: string; target: string }[], at: number): Append[] {
  return specs.slice(at, at + CHUNK).flatMap((spec, k) => requestAppends(s, children[at + k].target, children[at + k].taskId, spec, 'exists'));
}

/** VmCreationRequested (+ its task unless the task exists already); an import brings the VM's BIOS and saved state */
function requestAppends(s: VrmState, vmId: string, taskId: string, spec: VmSpec, task: 'exists' | null,
  imported?: Pick<inventory.ImportPlan, 'bios' | 'saved'>): Append[] {
  const events = inventory.vmDecider.decide({ type: 'RequestVmCreation', vmId, spec, ...(imported ? { bios: imported.bios, saved: imported.saved } : {}) }, s.inventory);
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
