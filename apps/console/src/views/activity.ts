// Tasks with their live progress, and the live event stream.
import { simTime } from '../format.js';
import { html } from '../html.js';
import { useConsole } from '../store.js';
import { href, Panel } from './common.js';

export function TasksPage() {
  const { tasks } = useConsole();
  return html`<h1>Tasks</h1>
    <${Panel} title="All tasks" id="tasks">
      ${tasks.length === 0 ? html`<p class="muted">No tasks yet.</p>` : html`<table>
        <thead><tr><th scope="col">Task</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Result</th></tr></thead>
        <tbody>${tasks.map((t) => html`<tr key=${t.id} data-task=${t.id}>
          <td>${t.id}</td><td>${t.kind}</td><td>${target(t)}</td><td><span class=${`badge s-${t.state}`}>${t.state}</span></td>
          <td><progress max="100" value=${t.progress} aria-label=${`${t.id} progress`}>${t.progress} %</progress> ${t.progress} %</td>
          <td>${t.error ? html`<span class="bad">${t.error.message ?? JSON.stringify(t.error)}</span>` : t.result?.hostId ? `on ${t.result.hostId}` : ''}</td>
        </tr>`)}</tbody></table>`}
    <//>`;
}

const target = (t: any) => (t.target && /^vm/.test(t.target) ? html`<a href=${href('vm', t.target)}>${t.target}</a>` : t.target ?? '—');

export function EventsPage() {
  const { events, connected } = useConsole();
  return html`<h1>Event stream</h1>
    <p role="status">${connected ? 'Live: following the log.' : 'Reconnecting to the log…'}</p>
    <${Panel} title="Latest events" id="events">
      <ol class="events">${events.map((e) => html`<li key=${e.position}>
        <span class="when">#${e.position} · ${simTime(e.metadata.simTime)}</span> <strong>${e.type}</strong> <span class="muted">${e.streamId}</span>
      </li>`)}</ol>
    <//>`;
}
