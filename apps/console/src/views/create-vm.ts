// Create a VM from a form (POST /vms); the task and the VM then arrive through the event stream.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { inventoryOf, sorted } from '../model.js';
import { act, useConsole } from '../store.js';

const GUESTS: Record<string, { family: string; distro?: string; version: string }> = {
  'ubuntu-22.04': { family: 'linux', distro: 'ubuntu', version: '22.04' },
  'rhel-9': { family: 'linux', distro: 'rhel', version: '9' },
  'windows-2022': { family: 'windows', version: '2022' },
};

export function CreateVmPage() {
  const { snap } = useConsole();
  const clusters = sorted(inventoryOf(snap).clusters);
  const [form, setForm] = useState({ name: '', clusterId: '', vcpus: 2, memoryMiB: 4096, guest: 'ubuntu-22.04', diskGiB: 40, powerOn: true, ha: true });
  const field = (k: keyof typeof form, numeric = false) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setForm({ ...form, [k]: el.type === 'checkbox' ? el.checked : numeric ? Number(el.value) : el.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const clusterId = form.clusterId || clusters[0]?.id;
    const guest = GUESTS[form.guest];
    const ok = await act(`create ${form.name}`, (api) => api.post('/vms', {
      name: form.name, clusterId, vcpus: form.vcpus, memoryMiB: form.memoryMiB, guestOs: guest,
      disks: [{ sizeGiB: form.diskGiB, bus: guest.family === 'windows' ? 'sata' : 'virtio' }], nics: [{ model: guest.family === 'windows' ? 'e1000' : 'virtio' }],
      powerOn: form.powerOn, ha: { enabled: form.ha, priority: 'medium' },
    }));
    if (ok) location.hash = '#/tasks';
  };
  return html`<h1>Create a VM</h1>
    <form class="form" onSubmit=${submit}>
      <label for="vm-name">Name</label><input id="vm-name" required maxLength="80" value=${form.name} onInput=${field('name')} />
      <label for="vm-cluster">Cluster</label>
      <select id="vm-cluster" value=${form.clusterId || clusters[0]?.id} onChange=${field('clusterId')}>${clusters.map((c) => html`<option value=${c.id}>${c.spec.name}</option>`)}</select>
      <label for="vm-vcpus">vCPUs</label><input id="vm-vcpus" type="number" min="1" max="128" value=${form.vcpus} onInput=${field('vcpus', true)} />
      <label for="vm-mem">Memory (MiB)</label><input id="vm-mem" type="number" min="16" step="256" value=${form.memoryMiB} onInput=${field('memoryMiB', true)} />
      <label for="vm-guest">Guest OS</label>
      <select id="vm-guest" value=${form.guest} onChange=${field('guest')}>${Object.keys(GUESTS).map((g) => html`<option value=${g}>${g}</option>`)}</select>
      <label for="vm-disk">Disk (GiB)</label><input id="vm-disk" type="number" min="1" value=${form.diskGiB} onInput=${field('diskGiB', true)} />
      <label><input type="checkbox" checked=${form.powerOn} onChange=${field('powerOn')} /> Power on</label>
      <label><input type="checkbox" checked=${form.ha} onChange=${field('ha')} /> HA protected</label>
      <button type="submit" class="write" disabled=${clusters.length === 0}>Create VM</button>
    </form>`;
}
