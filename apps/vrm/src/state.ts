// The vrm's state: the inventory view, creation sagas in flight, tasks, the simulation clock and the id
// counters. Ids are sequential (c1, h1, vm1, r1, t1): the same commands give the same ids (B3).
import type { RecordedEvent } from '@virtsim/contracts';
import { inventory } from '@virtsim/domain';
import type { ProjectionDef } from '@virtsim/service-kit';

export interface Clock { tick: number; simTime: number; tickSeconds: number }

export interface VrmState {
  inventory: inventory.InventoryView;
  sagas: inventory.CreationSagas;
  tasks: inventory.VrmTasks;
  clock: Clock;
  /** manual, or running by itself at a rate (ClockStarted / ClockPaused) */
  clockMode: inventory.SimClockMode;
  counters: { c: number; h: number; vm: number; r: number; t: number };
  /** vmId -> its latest vm.create task */
  vmTasks: Record<string, string>;
}

export const initialVrmState = (): VrmState => ({
  inventory: inventory.emptyInventory(),
  sagas: {},
  tasks: {},
  clock: { tick: 0, simTime: 0, tickSeconds: 10 },
  clockMode: inventory.simClockDecider.initialState(),
  counters: { c: 0, h: 0, vm: 0, r: 0, t: 0 },
  vmTasks: {},
});

const COUNTED: Record<string, keyof VrmState['counters']> = {
  ClusterCreated: 'c', HostAdded: 'h', RuleCreated: 'r', TaskCreated: 't',
};

// VM ids are reserved by their creation task (a batch reserves all of its ids at once)
const vmNumber = (id: string | null | undefined) => Number(/^vm(\d+)$/.exec(id ?? '')?.[1] ?? 0);

export function evolveVrm(state: VrmState, event: RecordedEvent): VrmState {
  inventory.evolveInventory(state.inventory, event);
  inventory.evolveCreationSagas(state.sagas, event);
  inventory.evolveTasks(state.tasks, event);
  inventory.evolveCreationTask(state.tasks, state.sagas, (vmId) => state.vmTasks[vmId], event);
  const counter = COUNTED[event.type];
  if (counter) state.counters[counter]++;
  if (event.type === 'TaskCreated') {
    const d = event.data as { taskId: string; kind: string; target: string | null };
    if (d.kind === 'vm.create' && d.target) {
      state.vmTasks[d.target] = d.taskId;
      state.counters.vm = Math.max(state.counters.vm, vmNumber(d.target));
    }
  }
  if (event.type === 'VmCreationRequested') state.counters.vm = Math.max(state.counters.vm, vmNumber((event.data as { vmId: string }).vmId));
  if (event.type === 'ClockAdvanced') state.clock = { ...(event.data as Clock) };
  state.clockMode = inventory.evolveSimClock(state.clockMode, event);
  return state;
}

export const vrmProjection: ProjectionDef<VrmState> = {
  name: 'vrm',
  // 2: the clock mode joined the state
  // 3: each rule's compliance (RuleComplianceChanged, issue 15)
  // 4: each VM's BIOS, a suspended import's saved CPU features and pending vCPUs, the saga's restore flag (C3)
  version: 4,
  initialState: initialVrmState,
  evolve: evolveVrm,
};

export const streams = {
  cluster: (id: string) => `cluster-${id}`,
  vm: (id: string) => `vm-${id}`,
  task: (id: string) => `task-${id}`,
  clock: 'clock',
};

export const nextId = (state: VrmState, kind: keyof VrmState['counters'], offset = 0) => `${kind}${state.counters[kind] + 1 + offset}`;
