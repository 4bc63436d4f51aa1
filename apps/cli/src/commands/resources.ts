// clusters, hosts, vms, rules, tasks.
import { writeFile, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Command, Option } from 'commander';
import { act, applySet, csv, int, readSpec, type Ctx } from '../context.js';
import { autoColumns, formatObject, formatTable, pick } from '../format.js';
import { UsageError } from '../errors.js';
import { isTask, waitTask } from '../tasks.js';
import { parseDuration } from '../simtime.js';
import { HOST_FAULTS, RULE_KINDS, VM_FAULTS, VM_POWER_ACTIONS } from '../scenario/schema.js';
import { hostSpecFromFlags, vmSpecFromFlags } from '../quick-specs.js';
import { unwrap } from '../http.js';
import { clusterColumns, hostColumns, outputOf, outputOption, renderList, renderOne, summary, vmColumns, type Cluster, type Host, type Output, type Vm } from '../views.js';
import type { Kind } from '../lookup.js';

const e = encodeURIComponent;

const COLUMNS = {
  rules: ['id', 'name', 'kind', 'vms', 'hosts'],
  tasks: ['id', 'kind', 'state', 'progress', 'target', 'error'],
  recommendations: ['id', 'vmId', 'fromHostId', 'toHostId', 'reason', 'rationale'],
};

export function showList(ctx: Ctx, items: unknown[], kind: keyof typeof COLUMNS): void {
  ctx.emit({ items }, () => (items.length ? formatTable(items as Record<string, unknown>[], autoColumns(items, COLUMNS[kind])) : `no ${kind}`));
}

/** json and yaml go through out() (server text made printable); tables are already printable and may be coloured */
function emitView(ctx: Ctx, output: Output, text: string): void {
  if (output === 'json' || output === 'yaml') ctx.out(text);
  else ctx.render(text);
}

async function showHosts(ctx: Ctx, o: { output?: string; cluster?: string }, ref?: string): Promise<void> {
  const output = outputOf({ output: o.output, json: ctx.json });
  const [hosts, vms, clusters] = await Promise.all([ctx.all('host'), ctx.all('vm'), ctx.all('cluster')]);
  const cols = hostColumns(vms, clusters, output === 'wide');
  if (ref !== undefined) {
    // the single host's answer carries more than the list's (shown with -o wide|json|yaml)
    const one = await (await ctx.client()).get<Host>(`/hosts/${e(await ctx.resolve('host', ref))}`);
    return emitView(ctx, output, renderOne(one, output, cols, ctx.paint));
  }
  const clusterId = o.cluster === undefined ? undefined : await ctx.resolve('cluster', o.cluster);
  const items = hosts.filter((h) => clusterId === undefined || h.clusterId === clusterId);
  emitView(ctx, output, renderList(items, output, cols, summary('host', items.map((h) => h.state)), ctx.paint));
}

async function showVms(ctx: Ctx, o: { output?: string; cluster?: string; host?: string }, ref?: string): Promise<void> {
  const output = outputOf({ output: o.output, json: ctx.json });
  const [hosts, vms, clusters] = await Promise.all([ctx.all('host'), ctx.all('vm'), ctx.all('cluster')]);
  const cols = vmColumns(hosts, clusters, output === 'wide');
  if (ref !== undefined) {
    // the single VM's answer carries NUMA, memory, devices and CPU ready (shown with -o wide|json|yaml)
    const one = await (await ctx.client()).get<Vm>(`/vms/${e(await ctx.resolve('vm', ref))}`);
    return emitView(ctx, output, renderOne(one, output, cols, ctx.paint));
  }
  const clusterId = o.cluster === undefined ? undefined : await ctx.resolve('cluster', o.cluster);
  const hostId = o.host === undefined ? undefined : await ctx.resolve('host', o.host);
  const items = vms.filter((v) => (clusterId === undefined || v.clusterId === clusterId) && (hostId === undefined || v.hostId === hostId));
  emitView(ctx, output, renderList(items, output, cols, summary('VM', items.map((v) => v.state)), ctx.paint));
}

async function showClusters(ctx: Ctx, o: { output?: string }, ref?: string): Promise<void> {
  const output = outputOf({ output: o.output, json: ctx.json });
  const cols = clusterColumns(output === 'wide');
  if (ref !== undefined) {
    const id = await ctx.resolve('cluster', ref);
    // the single cluster's answer carries more than the list's (policies, HA protection)
    const one = await (await ctx.client()).get<Cluster>(`/clusters/${e(id)}`);
    return emitView(ctx, output, renderOne(one, output, cols, ctx.paint));
  }
  const items = await ctx.all('cluster');
  emitView(ctx, output, renderList(items, output, cols, `${items.length} cluster${items.length === 1 ? '' : 's'}, ${items.reduce((n, c) => n + c.hostCount, 0)} hosts, ${items.reduce((n, c) => n + c.vmCount, 0)} VMs`, ctx.paint));
}

/** an id argument given by id or name */
const ref = (ctx: Ctx, kind: Kind, idOrName: string) => ctx.resolve(kind, idOrName);

function showOne(ctx: Ctx, item: unknown): void {
  ctx.emit(item, () => formatObject(item));
}

/** Shows a write's answer: waits for a task unless --no-wait, then prints the result. */
async function showResult(ctx: Ctx, answer: unknown, opts: { wait?: boolean; drive?: string }, label?: string): Promise<void> {
  if (isTask(answer) && opts.wait !== false) {
    const client = await ctx.client();
    const driveSeconds = opts.drive ? parseDuration(opts.drive) : undefined;
    const done = await waitTask(client, answer, { progress: ctx.progress, label, ...(driveSeconds ? { onPoll: () => client.post('/sim/advance', { seconds: driveSeconds }).then(() => undefined) } : {}) });
    showOne(ctx, done.result ?? done);
    return;
  }
  if (answer === undefined) {
    ctx.emit({ ok: true }, () => 'ok');
    return;
  }
  showOne(ctx, answer);
}

const waitOpt = () => new Option('--no-wait', 'return the task at once instead of waiting for it');
const driveOpt = () => new Option('--drive <duration>', 'while waiting, advance the simulated clock by this much per poll (e.g. 10s)');

export function clustersCommand(): Command {
  const c = new Command('clusters').alias('cluster').description('clusters, their policies and DRS recommendations');
  c.command('list').alias('ls').description('list clusters: hosts, VMs, running VMs, HA and DRS').addOption(outputOption())
    .action(act(async (ctx, o: { output?: string }) => showClusters(ctx, o)));
  c.command('get <cluster>').description('show a cluster (by name or id)').addOption(outputOption())
    .action(act(async (ctx, id: string, o: { output?: string }) => showClusters(ctx, o, id)));
  c.command('create')
    .description('create a cluster (from a spec file and/or flags)')
    .option('-f, --file <file>', 'cluster spec (YAML or JSON, - for stdin)')
    .option('--name <name>', 'cluster name')
    .option('--seed <n>', 'simulation seed', int('--seed'))
    .option('--ha', 'enable HA')
    .option('--drs <automation>', 'enable DRS: manual or automatic')
    .option('--dpm <automation>', 'enable DPM: manual or automatic')
    .option('--memory-overcommit', 'allow memory overcommit')
    .option('--set <key=value...>', 'set any spec field, e.g. --set ha.hostFailuresTolerated=2')
    .action(act(async (ctx, o: { file?: string; name?: string; seed?: number; ha?: boolean; drs?: string; dpm?: string; memoryOvercommit?: boolean; set?: string[] }) => {
      const spec = (o.file ? await readSpec(o.file) : {}) as Record<string, unknown>;
      if (o.name) spec.name = o.name;
      if (o.seed !== undefined) spec.seed = o.seed;
      if (o.ha) spec.ha = { enabled: true };
      if (o.drs) spec.drs = { enabled: true, automation: o.drs };
      if (o.dpm) spec.dpm = { enabled: true, automation: o.dpm };
      if (o.memoryOvercommit) spec.memoryOvercommit = true;
      for (const s of o.set ?? []) applySet(spec, s);
      if (!spec.name) throw new UsageError('a cluster needs a name (--name or name: in the file)');
      await showResult(ctx, await (await ctx.client()).post('/clusters', spec), {});
    }));
  c.command('update <id>')
    .description('change cluster policies (PATCH)')
    .option('-f, --file <file>', 'patch (YAML or JSON)')
    .option('--set <key=value...>', 'e.g. --set drs.threshold=2 --set memoryOvercommit=true')
    .action(act(async (ctx, id: string, o: { file?: string; set?: string[] }) => {
      id = await ref(ctx, 'cluster', id);
      const patch = (o.file ? await readSpec(o.file) : {}) as Record<string, unknown>;
      for (const s of o.set ?? []) applySet(patch, s);
      if (!Object.keys(patch).length) throw new UsageError('nothing to change: give --file or --set');
      await showResult(ctx, await (await ctx.client()).patch(`/clusters/${e(id)}`, patch), {});
    }));
  c.command('add-host <clusterId>')
    .description('add a host to a cluster, from flags or a spec file')
    .option('-f, --file <file>', 'host spec (YAML or JSON)')
    .option('--name <name>', 'host name (overrides the file)')
    .option('--cpu <SxCxT>', 'sockets x cores per socket x threads per core, e.g. 2x8x2')
    .option('--mem <size>', 'memory, e.g. 256G')
    .addOption(waitOpt())
    .addHelpText('after', '\nExample:\n  virtsim clusters add-host DC0_C0 --name h5 --cpu 2x8x2 --mem 256G')
    .action(act(async (ctx, id: string, o: { file?: string; name?: string; cpu?: string; mem?: string; wait?: boolean }) => {
      id = await ref(ctx, 'cluster', id);
      if (!o.file && !o.name) throw new UsageError('give --name (with --cpu / --mem) or --file');
      const spec = (o.file ? await readSpec(o.file) : hostSpecFromFlags({ name: o.name!, cpu: o.cpu, mem: o.mem })) as Record<string, unknown>;
      if (o.name) spec.name = o.name;
      const client = await ctx.client();
      const answer = await unwrap(client.typed().POST('/api/v1/clusters/{id}/hosts', { params: { path: { id } }, body: spec as never }), 'POST', `/clusters/${id}/hosts`);
      await showResult(ctx, answer, o, String(spec.name ?? 'host'));
    }));
  c.command('drs <clusterId>')
    .description('list DRS recommendations')
    .action(act(async (ctx, id: string) => {
    id = await ref(ctx, 'cluster', id);
    showList(ctx, await (await ctx.client()).list(`/clusters/${e(id)}/drs/recommendations`), 'recommendations');
  }));
  c.command('drs-apply <clusterId> <recommendationId>')
    .description('apply a DRS recommendation')
    .addOption(waitOpt())
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, rid: string, o: { wait?: boolean; drive?: string }) => {
      id = await ref(ctx, 'cluster', id);
      await showResult(ctx, await (await ctx.client()).post(`/clusters/${e(id)}/drs/recommendations/${e(rid)}/apply`, {}), o, 'drs');
    }));
  return c;
}

export function rulesCommand(): Command {
  const c = new Command('rules').alias('rule').description('VM-VM and VM-host rules of a cluster');
  c.command('list <clusterId>').alias('ls').action(act(async (ctx, id: string) => {
    id = await ref(ctx, 'cluster', id);
    showList(ctx, await (await ctx.client()).list(`/clusters/${e(id)}/rules`), 'rules');
  }));
  c.command('create <clusterId>')
    .description('create a rule')
    .option('-f, --file <file>', 'rule spec (YAML or JSON)')
    .option('--name <name>')
    .addOption(new Option('--kind <kind>').choices([...RULE_KINDS]))
    .option('--vms <ids>', 'comma-separated VM ids')
    .option('--hosts <ids>', 'comma-separated host ids')
    .action(act(async (ctx, id: string, o: { file?: string; name?: string; kind?: string; vms?: string; hosts?: string }) => {
      id = await ref(ctx, 'cluster', id);
      const spec = (o.file ? await readSpec(o.file) : {}) as Record<string, unknown>;
      if (o.name) spec.name = o.name;
      if (o.kind) spec.kind = o.kind;
      if (o.vms) spec.vms = csv(o.vms);
      if (o.hosts) spec.hosts = csv(o.hosts);
      if (!spec.name || !spec.kind || !spec.vms) throw new UsageError('a rule needs --name, --kind and --vms (or a --file)');
      showOne(ctx, await (await ctx.client()).post(`/clusters/${e(id)}/rules`, spec));
    }));
  c.command('delete <clusterId> <ruleId>').alias('rm').action(act(async (ctx, id: string, rid: string) => {
      id = await ref(ctx, 'cluster', id);
    await (await ctx.client()).delete(`/clusters/${e(id)}/rules/${e(rid)}`);
    ctx.emit({ ok: true }, () => `rule ${rid} deleted`);
  }));
  return c;
}

export function hostsCommand(): Command {
  const c = new Command('hosts').alias('host').description('hosts: state, maintenance, power, faults');
  c.command('list').alias('ls').description('list hosts: state, VMs, CPU and memory used of capacity')
    .option('--cluster <cluster>', 'only this cluster (name or id)').addOption(outputOption())
    .action(act(async (ctx, o: { cluster?: string; output?: string }) => showHosts(ctx, o)));
  c.command('get <host>').description('show a host (by name or id)').addOption(outputOption())
    .action(act(async (ctx, id: string, o: { output?: string }) => showHosts(ctx, o, id)));
  c.command('maintenance <id> <enter|exit>')
    .description('enter or exit maintenance mode')
    .addOption(waitOpt())
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, what: string, o: { wait?: boolean; drive?: string }) => {
      id = await ref(ctx, 'host', id);
      if (what !== 'enter' && what !== 'exit') throw new UsageError('maintenance takes enter or exit');
      const client = await ctx.client();
      const answer = await client.post<{ task?: unknown }>(`/hosts/${e(id)}/maintenance`, { enter: what === 'enter' });
      // entering with VMs on the host is a task (progress: the VMs evacuated); the host is shown once it ends
      if (isTask(answer?.task) && o.wait !== false) {
        await showResult(ctx, answer.task, o, `entering maintenance ${id}`);
        return;
      }
      await showResult(ctx, answer, o, `maintenance ${id}`);
    }));
  c.command('power <id> <on|off>')
    .addOption(waitOpt())
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, what: string, o: { wait?: boolean; drive?: string }) => {
      id = await ref(ctx, 'host', id);
      if (what !== 'on' && what !== 'off') throw new UsageError('power takes on or off');
      await showResult(ctx, await (await ctx.client()).post(`/hosts/${e(id)}/power`, { on: what === 'on' }), o, `power ${what}`);
    }));
  c.command('fault <id> <kind>')
    .description(`inject a host fault: ${HOST_FAULTS.join(', ')}`)
    .action(act(async (ctx, id: string, kind: string) => {
      id = await ref(ctx, 'host', id);
      if (!(HOST_FAULTS as readonly string[]).includes(kind)) throw new UsageError(`fault kind is one of ${HOST_FAULTS.join(', ')}`);
      await showResult(ctx, await (await ctx.client()).post(`/hosts/${e(id)}/faults`, { kind }), { wait: false });
    }));
  c.command('recover <id>').description('clear a host fault').action(act(async (ctx, id: string) => {
      id = await ref(ctx, 'host', id);
    await showResult(ctx, await (await ctx.client()).post(`/hosts/${e(id)}/recover`, {}), { wait: false });
  }));
  return c;
}

export function vmsCommand(): Command {
  const c = new Command('vms').alias('vm').description('virtual machines');
  c.command('list').alias('ls').description('list VMs: power state, host, vCPUs, memory')
    .option('--cluster <cluster>', 'only this cluster (name or id)').option('--host <host>', 'only this host (name or id)').addOption(outputOption())
    .action(act(async (ctx, o: { cluster?: string; host?: string; output?: string }) => showVms(ctx, o)));
  c.command('get <vm>').description('show a VM (by name or id)').addOption(outputOption())
    .action(act(async (ctx, id: string, o: { output?: string }) => showVms(ctx, o, id)));
  c.command('create [name]')
    .description('create a VM, from flags or a spec file')
    .option('-f, --file <file>', 'VM spec (YAML or JSON)')
    .option('--cluster <id>', 'cluster id (overrides the file)')
    .option('--name <name>', 'VM name (overrides the file)')
    .option('--vcpus <n>', 'virtual CPUs', int('--vcpus'))
    .option('--mem <size>', 'memory, e.g. 4G')
    .option('--os <distro/version>', 'guest OS, e.g. ubuntu/22.04 or windows/2022')
    .option('--power-on', 'power it on once created')
    .addOption(waitOpt())
    .addHelpText('after', '\nExample:\n  virtsim vms create web1 --cluster cluster-1 --vcpus 2 --mem 4G --os ubuntu/22.04 --power-on')
    .action(act(async (ctx, name: string | undefined, o: { file?: string; cluster?: string; name?: string; vcpus?: number; mem?: string; os?: string; powerOn?: boolean; wait?: boolean }) => {
      const vmName = o.name ?? name;
      if (o.cluster) o.cluster = await ref(ctx, 'cluster', o.cluster);
      if (!o.file && (!vmName || !o.cluster)) throw new UsageError('give a name and --cluster (with --vcpus / --mem / --os), or --file');
      const spec = (o.file ? await readSpec(o.file) : vmSpecFromFlags({ name: vmName!, clusterId: o.cluster!, vcpus: o.vcpus, mem: o.mem, os: o.os })) as Record<string, unknown>;
      if (o.cluster) spec.clusterId = o.cluster;
      if (vmName) spec.name = vmName;
      if (o.powerOn) spec.powerOn = true;
      const client = await ctx.client();
      const answer = await unwrap(client.typed().POST('/api/v1/vms', { body: spec as never }), 'POST', '/vms');
      await showResult(ctx, answer, o, `create ${String(spec.name ?? 'vm')}`);
    }));
  c.command('batch')
    .description('create many VMs: a file with a list of specs (or {vms: [...]})')
    .requiredOption('-f, --file <file>')
    .option('--cluster <id>', 'cluster id for every VM')
    .addOption(waitOpt())
    .action(act(async (ctx, o: { file: string; cluster?: string; wait?: boolean }) => {
      const doc = await readSpec(o.file);
      const vms = (Array.isArray(doc) ? doc : (doc as { vms?: unknown[] })?.vms) as Record<string, unknown>[] | undefined;
      if (!Array.isArray(vms)) throw new UsageError(`${o.file}: expected a list of VM specs or {vms: [...]}`);
      if (o.cluster) for (const v of vms) v.clusterId = o.cluster;
      const answer = await (await ctx.client()).post('/vms:batch', { vms });
      if (o.wait === false) return showOne(ctx, answer);
      showOne(ctx, await ctx.settle(answer, `create ${vms.length} VMs`));
    }));
  c.command('update <id>')
    .description('change vCPUs or memory (online where the guest allows)')
    .option('--vcpus <n>', 'vCPUs', int('--vcpus'))
    .option('--memory <MiB>', 'memory in MiB', int('--memory'))
    .action(act(async (ctx, id: string, o: { vcpus?: number; memory?: number }) => {
      id = await ref(ctx, 'vm', id);
      if (o.vcpus === undefined && o.memory === undefined) throw new UsageError('give --vcpus and/or --memory');
      await showResult(ctx, await (await ctx.client()).patch(`/vms/${e(id)}`, { vcpus: o.vcpus, memoryMiB: o.memory }), {});
    }));
  c.command('power <id> <action>')
    .description(`power action: ${VM_POWER_ACTIONS.join(', ')}`)
    .addOption(waitOpt())
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, action: string, o: { wait?: boolean; drive?: string }) => {
      id = await ref(ctx, 'vm', id);
      if (!(VM_POWER_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`action is one of ${VM_POWER_ACTIONS.join(', ')}`);
      await showResult(ctx, await (await ctx.client()).post(`/vms/${e(id)}/power`, { action }), o, `${action} ${id}`);
    }));
  c.command('migrate <id>')
    .description('migrate a VM (live when it runs, cold when stopped or suspended; the scheduler picks the host unless --to)')
    .option('--to <hostId>', 'target host')
    .option('--to-cluster <clusterId>', 'target cluster: the VM leaves its cluster (a running one live, if the target\'s IMC baseline holds its CPU features)')
    .option('--cold', 'cold migration')
    .addOption(waitOpt())
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, o: { to?: string; toCluster?: string; cold?: boolean; wait?: boolean; drive?: string }) => {
      id = await ref(ctx, 'vm', id);
      const body = { targetHostId: o.to === undefined ? undefined : await ref(ctx, 'host', o.to), targetClusterId: o.toCluster === undefined ? undefined : await ref(ctx, 'cluster', o.toCluster), ...(o.cold ? { live: false } : {}) };
      await showResult(ctx, await (await ctx.client()).post(`/vms/${e(id)}/migrate`, body), o, `migrate ${id}`);
    }));
  // devices on an existing VM: hot-plugged where the bus and the guest allow it, else the VM must be stopped
  const disks = c.command('disks').description('add or remove a disk (guest names follow the bus: vda, sda, hda...)');
  disks.command('add <id>')
    .requiredOption('--size <GiB>', 'size in GiB', int('--size'))
    .option('--bus <bus>', 'ide | sata | scsi | virtio | xen', 'virtio')
    .option('--datastore <name>', 'datastore')
    .action(act(async (ctx, id: string, o: { size: number; bus: string; datastore?: string }) => {
      id = await ref(ctx, 'vm', id);
      showOne(ctx, await (await ctx.client()).post(`/vms/${e(id)}/disks`, { sizeGiB: o.size, bus: o.bus, datastore: o.datastore }));
    }));
  disks.command('remove <id> <index>').alias('rm').action(act(async (ctx, id: string, index: string) => {
      id = await ref(ctx, 'vm', id);
    showOne(ctx, await (await ctx.client()).delete(`/vms/${e(id)}/disks/${e(index)}`));
  }));
  const nics = c.command('nics').description('add or remove a NIC (eth0, eth1... / Ethernet, Ethernet 2...)');
  nics.command('add <id>')
    .option('--model <model>', 'e1000 | virtio', 'virtio')
    .action(act(async (ctx, id: string, o: { model: string }) => {
      id = await ref(ctx, 'vm', id);
      showOne(ctx, await (await ctx.client()).post(`/vms/${e(id)}/nics`, { model: o.model }));
    }));
  nics.command('remove <id> <index>').alias('rm').action(act(async (ctx, id: string, index: string) => {
      id = await ref(ctx, 'vm', id);
    showOne(ctx, await (await ctx.client()).delete(`/vms/${e(id)}/nics/${e(index)}`));
  }));
  const tools = c.command('tools').description('guest Tools (PV drivers: a Windows virtio NIC works once they are in)');
  tools.command('install <id>')
    .description('install guest Tools in a running VM')
    .action(act(async (ctx, id: string) => {
      id = await ref(ctx, 'vm', id);
      await showResult(ctx, await (await ctx.client()).post(`/vms/${e(id)}/tools:install`, {}), {}, `install Tools in ${id}`);
    }));
  c.command('fault <id> <kind>')
    .description(`inject a VM fault: ${VM_FAULTS.join(', ')}`)
    .action(act(async (ctx, id: string, kind: string) => {
      id = await ref(ctx, 'vm', id);
      if (!(VM_FAULTS as readonly string[]).includes(kind)) throw new UsageError(`fault kind is one of ${VM_FAULTS.join(', ')}`);
      await showResult(ctx, await (await ctx.client()).post(`/vms/${e(id)}/faults`, { kind }), { wait: false });
    }));
  c.command('export <id>')
    .description('export a stopped or suspended VM as a tar (config with BIOS and saved state, disk descriptors)')
    .option('-o, --output <file>', 'file to write (- for stdout; default <id>.tar)')
    .action(act(async (ctx, id: string, o: { output?: string }) => {
      id = await ref(ctx, 'vm', id);
      const res = await (await ctx.client()).request<Response>('GET', `/vms/${e(id)}/export`, { raw: true, accept: 'application/x-tar' });
      const buf = new Uint8Array(await res.arrayBuffer());
      const file = o.output ?? `${id}.tar`;
      if (file === '-') await ctx.write(buf);
      else {
        await writeFile(file, buf);
        ctx.info(`wrote ${file} (${buf.length} bytes)`);
        if (ctx.json) ctx.out(JSON.stringify({ file, bytes: buf.length }));
      }
    }));
  c.command('import <file>')
    .description('import an exported VM: the same VM (its id unless taken here), or a copy with --name')
    .requiredOption('--cluster <id>', 'target cluster')
    .option('--name <name>', 'a copy beside the original under this name (new id, new BIOS uuid)')
    .addOption(waitOpt())
    .action(act(async (ctx, file: string, o: { cluster: string; name?: string; wait?: boolean }) => {
      let body: Uint8Array;
      try {
        body = file === '-' ? new Uint8Array(Buffer.concat(await Readable.from(process.stdin).toArray())) : new Uint8Array(await readFile(file));
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
      const answer = await (await ctx.client()).request('POST', '/vms:import', { rawBody: body, contentType: 'application/x-tar', query: { clusterId: o.cluster, ...(o.name !== undefined ? { name: o.name } : {}) } });
      await showResult(ctx, answer, o, 'import');
    }));
  c.command('delete <id>').alias('rm').addOption(waitOpt()).action(act(async (ctx, id: string, o: { wait?: boolean }) => {
      id = await ref(ctx, 'vm', id);
    await showResult(ctx, await (await ctx.client()).delete(`/vms/${e(id)}`), o, `delete ${id}`);
  }));
  c.command('history <id>').description("a VM's events").action(act(async (ctx, id: string) => {
      id = await ref(ctx, 'vm', id);
    const items = await (await ctx.client()).list<Record<string, unknown>>(`/vms/${e(id)}/history`, {}, { cursorParam: 'after' });
    ctx.emit({ items }, () => formatTable(items, [
      { header: 'position', key: 'position', align: 'right' },
      { header: 'simTime', get: (r) => pick(r, 'metadata.simTime') ?? r.simTime },
      { header: 'type', key: 'type' },
      { header: 'data', get: (r) => r.data, maxWidth: 100 },
    ]));
  }));
  return c;
}

export function tasksCommand(): Command {
  const c = new Command('tasks').alias('task').description('long operations');
  c.command('list').alias('ls').option('--limit <n>', 'at most n', int('--limit')).action(act(async (ctx, o: { limit?: number }) => {
    const client = await ctx.client();
    const items: unknown[] = [];
    for await (const t of client.paginate('/tasks')) {
      items.push(t);
      if (o.limit && items.length >= o.limit) break;
    }
    showList(ctx, items, 'tasks');
  }));
  c.command('get <id>').action(act(async (ctx, id: string) => showOne(ctx, await (await ctx.client()).get(`/tasks/${e(id)}`))));
  c.command('wait <id>')
    .description('wait for a task with a progress bar')
    .addOption(driveOpt())
    .action(act(async (ctx, id: string, o: { drive?: string }) => {
      const t = await (await ctx.client()).get(`/tasks/${e(id)}`);
      if (!isTask(t)) throw new UsageError(`${id} is not a task`);
      await showResult(ctx, t, { wait: true, drive: o.drive }, t.kind);
    }));
  return c;
}
