// virtsim demo: a first inventory to look at, with no YAML.
import { Command } from 'commander';
import { act } from '../context.js';
import { buildDemo, DEMO } from '../demo.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description(`build a small inventory like vcsim's defaults: cluster ${DEMO.cluster}, ${DEMO.hosts} hosts, ${DEMO.vms} VMs (${DEMO.poweredOn} powered on); creates only what is missing`)
    .addHelpText('after', '\nExample:\n  virtsim demo && virtsim sim run --rate 60x && virtsim vms migrate <vm-id> --to <host-id>')
    .action(act(async (ctx) => {
      const client = await ctx.client();
      const { clusterId, created } = await buildDemo(client, (answer) => ctx.settle(answer, `create ${DEMO.vms} VMs`));
      const nothing = !created.cluster && created.hosts.length === 0 && created.vms.length === 0;
      ctx.emit({ clusterId, created }, () => (nothing
        ? `the demo inventory is already there (cluster ${DEMO.cluster}, ${clusterId}): nothing created`
        : `demo inventory in cluster ${DEMO.cluster} (${clusterId}): created ${created.cluster ? 'the cluster, ' : ''}${created.hosts.length} host(s), ${created.vms.length} VM(s)`));
    }));
}
