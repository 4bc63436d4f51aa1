// The signed-in console: header (clock, role, clock actions), inventory tree, time travel and the page.
import { useState } from 'preact/hooks';
import { simTime } from '../format.js';
import { html } from '../html.js';
import { inventoryOf, sorted } from '../model.js';
import { act, notify, signOut, useConsole } from '../store.js';
import { EventsPage, TasksPage } from './activity.js';
import { ClusterPage } from './cluster.js';
import { href, useRoute } from './common.js';
import { CreateVmPage } from './create-vm.js';
import { HostPage } from './host.js';
import { TimeTravel } from './time-travel.js';
import { Tree } from './tree.js';
import { VmPage } from './vm.js';
import { WhatIfPage } from './whatif.js';

export function Shell() {
  const route = useRoute();
  const { role, may, clock, at, notice, connected } = useConsole();
  const page = (() => {
    switch (route.page) {
      case 'cluster': return html`<${ClusterPage} id=${route.id} />`;
      case 'host': return html`<${HostPage} id=${route.id} />`;
      case 'vm': return html`<${VmPage} id=${route.id} />`;
      case 'tasks': return html`<${TasksPage} />`;
      case 'events': return html`<${EventsPage} />`;
      case 'whatif': return html`<${WhatIfPage} />`;
      case 'new-vm': return may.operate ? html`<${CreateVmPage} />` : html`<p>Your role may not create VMs.</p>`;
      default: return html`<${Overview} />`;
    }
  })();
  return html`
    <a class="skip" href="#content">Skip to content</a>
    <header class="top">
      <strong class="brand"><a href="#/">virtsim</a></strong>
      <nav aria-label="Sections"><ul class="inline">
        <li><a href="#/tasks">Tasks</a></li><li><a href="#/events">Events</a></li><li><a href="#/whatif">What-if</a></li>
        ${may.operate && at === null && html`<li><a href="#/new-vm" class="write">Create VM</a></li>`}
      </ul></nav>
      <span class="clock" aria-label="Simulated clock">sim ${simTime(clock?.simTime)} · tick ${clock?.tick ?? '—'}</span>
      ${may.operate && at === null && html`<${ClockActions} />`}
      <span class=${connected ? 'ok' : 'bad'}>${connected ? 'live' : 'offline'}</span>
      <span>signed in as <strong data-testid="role">${role}</strong></span>
      <button type="button" onClick=${() => signOut()}>Sign out</button>
    </header>
    <${TimeTravel} />
    <div aria-live="polite" class="notice-area">${notice && html`<p class=${`notice ${notice.kind}`}>${notice.text} <button type="button" aria-label="Dismiss" onClick=${() => notify(null)}>×</button></p>`}</div>
    <div class="layout">
      <${Tree} route=${route} />
      <main id="content" tabIndex="-1">${page}</main>
    </div>`;
}

function ClockActions() {
  const [seconds, setSeconds] = useState(60);
  return html`<form class="inline-form" onSubmit=${(e: Event) => { e.preventDefault(); void act(`advance ${seconds} s`, (api) => api.post('/sim/advance', { seconds })); }}>
    <label for="advance-seconds">Advance (s)</label>
    <input id="advance-seconds" type="number" min="1" max="604800" value=${seconds} onInput=${(e: Event) => setSeconds(Number((e.target as HTMLInputElement).value))} />
    <button type="submit" class="write">Advance clock</button>
  </form>`;
}

function Overview() {
  const { snap } = useConsole();
  const inv = inventoryOf(snap);
  const clusters = sorted(inv.clusters);
  return html`<h1>Overview</h1>
    ${clusters.length === 0 ? html`<p>No clusters yet: create one through the API or the CLI.</p>` : html`<ul class="cards">${clusters.map((c) => html`
      <li key=${c.id}><a href=${href('cluster', c.id)}><strong>${c.spec.name}</strong></a>
        <span>${c.hostCount} hosts, ${c.vmCount} VMs</span>
        <span>${Object.entries(c.vmsByState ?? {}).map(([s, n]) => `${n} ${s}`).join(', ')}</span></li>`)}</ul>`}`;
}
