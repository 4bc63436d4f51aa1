// Invariants (B6): pure predicates over the joined state of every service, folded from the log.
//  - world: emptyWorld() + evolveWorld(world, event) in place (hosts, VMs, rules, devices, migrations, tasks,
//    and the order rules broken when an event happened), with a chain of evidence positions per VM and host
//  - INVARIANTS: id, text, protects (features), check
//  - decideInvariants(status, world, {full}): InvariantViolated / InvariantRestored to append
//  - evolveStatus / invariantReport: what the log says about them (GET /api/v1/invariants)
export { emptyWorld, evolveWorld, type World, type HostFacts, type VmFacts } from './world.js';
export { INVARIANTS, TASK_DEADLINE_SECONDS, invariantById, runs, type Invariant, type Evidence } from './catalog.js';
export { breachKey, decideInvariants, decideReplayVerification, emptyStatus, evolveStatus, invariantReport, type InvariantStatus, type OpenBreach } from './watch.js';
