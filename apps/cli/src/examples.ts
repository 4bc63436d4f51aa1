// Help for people: every command says what it does and shows an example (`virtsim <command> --help`). Commands
// that write their own example keep it; the rest take theirs from this table, so one place lists them all.
import type { Command } from 'commander';

interface Help { description?: string; example?: string }

const HELP: Record<string, Help> = {
  'clusters list': { example: 'virtsim clusters list -o wide' },
  'clusters get': { example: 'virtsim clusters get DC0_C0 -o yaml' },
  'clusters create': { example: 'virtsim clusters create --name lab --ha --drs automatic --dpm manual' },
  'clusters update': { example: 'virtsim clusters update lab --set drs.threshold=2 --set memoryOvercommit=true' },
  'clusters drs': { example: 'virtsim clusters drs lab' },
  'clusters drs-apply': { example: 'virtsim clusters drs-apply lab <recommendation-id>' },
  'hosts list': { example: 'virtsim hosts list --cluster lab' },
  'hosts get': { example: 'virtsim hosts get DC0_C0_H0 -o wide' },
  'hosts maintenance': { example: 'virtsim hosts maintenance DC0_C0_H0 enter   # a task: "entering maintenance" until its VMs have left' },
  'hosts power': { description: 'power a host on or off (a host with running VMs must be evacuated first)', example: 'virtsim hosts power DC0_C0_H3 off' },
  'hosts fault': { example: 'virtsim hosts fault DC0_C0_H1 power-loss && virtsim sim advance 1m && virtsim audit' },
  'hosts recover': { example: 'virtsim hosts recover DC0_C0_H1' },
  'vms list': { example: 'virtsim vms list --cluster lab --host DC0_C0_H0' },
  'vms get': { example: 'virtsim vms get DC0_C0_VM0 -o wide' },
  'vms batch': { example: 'virtsim vms batch -f vms.yaml --cluster lab' },
  'vms update': { example: 'virtsim vms update web1 --vcpus 4 --memory 8192' },
  'vms power': { example: 'virtsim vms power web1 suspend' },
  'vms migrate': { example: 'virtsim vms migrate web1 --to DC0_C0_H2   # waits with a progress bar; --no-wait answers the task' },
  'vms disks add': { description: 'add a disk to a VM (hot-plugged where the bus and the guest allow it)', example: 'virtsim vms disks add web1 --size 40 --bus scsi' },
  'vms disks remove': { description: 'remove a VM\'s disk by its index', example: 'virtsim vms disks remove web1 1' },
  'vms nics add': { description: 'add a NIC to a VM', example: 'virtsim vms nics add web1 --model e1000' },
  'vms nics remove': { description: 'remove a VM\'s NIC by its index', example: 'virtsim vms nics remove web1 1' },
  'vms tools install': { example: 'virtsim vms tools install win1   # then its virtio NIC has a driver' },
  'vms fault': { example: 'virtsim vms fault web1 guest-os-crash' },
  'vms export': { example: 'virtsim vms export web1 -o web1.tar' },
  'vms import': { example: 'virtsim vms import web1.tar --cluster lab --name web1-copy' },
  'vms delete': { description: 'delete a stopped VM (its memory, devices and rules are released)', example: 'virtsim vms delete web1' },
  'vms history': { example: 'virtsim vms history web1' },
  'rules list': { description: 'list a cluster\'s rules and whether the placement keeps them', example: 'virtsim rules list lab' },
  'rules create': { example: 'virtsim rules create lab --name apart --kind vm-anti-affinity --vms web1,web2' },
  'rules delete': { description: 'delete a rule', example: 'virtsim rules delete lab <rule-id>' },
  'tasks list': { description: 'list tasks, newest first, with state and progress', example: 'virtsim tasks list --limit 20' },
  'tasks get': { description: 'show a task: state, progress, result or error', example: 'virtsim tasks get <task-id>' },
  'tasks wait': { example: 'virtsim tasks wait <task-id>' },
  'events list': { example: 'virtsim events list --type VmPlaced --limit 20 --follow' },
  'events export': { example: 'virtsim events export > log.ndjson' },
  'events import': { example: 'virtsim events import log.ndjson' },
  'sim clock': { example: 'virtsim sim clock' },
  'sim advance': { example: 'virtsim sim advance 5m' },
  'sim run': { example: 'virtsim sim run --rate 60x' },
  'sim pause': { example: 'virtsim sim pause' },
  'state show': { example: 'virtsim state show --at 5m' },
  'state hash': { example: 'virtsim state hash --at 1200' },
  verify: { example: 'virtsim verify' },
  audit: { example: 'virtsim audit --vm web1 --why-not' },
  invariants: { example: 'virtsim invariants --at t=5m' },
  whatif: { example: 'virtsim whatif examples/whatif/lose-two-hosts.yaml' },
  'scenario validate': { example: 'virtsim scenario validate examples/ha-host-failure.yaml' },
  'scenario run': { example: 'virtsim scenario run examples/drs-balance.yaml --batch-size 200' },
  config: { example: 'VIRTSIM_URL=http://10.0.0.5:8080 virtsim config' },
};

/** the leaf commands of a tree with their paths (`vms disks add`) */
export function leafCommands(root: Command): { path: string; cmd: Command }[] {
  const out: { path: string; cmd: Command }[] = [];
  const walk = (c: Command, path: string[]) => c.commands.forEach((s) => {
    const p = [...path, s.name()];
    if (s.commands.length === 0) out.push({ path: p.join(' '), cmd: s });
    walk(s, p);
  });
  walk(root, []);
  return out;
}

/** gives each command the table's description where it has none and its example after the help */
export function addExamples(root: Command): Command {
  for (const { path, cmd } of leafCommands(root)) {
    const help = HELP[path];
    if (!help) continue;
    if (help.description && !cmd.description()) cmd.description(help.description);
    if (help.example) cmd.addHelpText('after', `\nExample:\n  ${help.example}`);
  }
  return root;
}
