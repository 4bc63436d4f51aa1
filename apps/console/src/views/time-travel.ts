// Time travel: a slider over log positions (with the simulated time of the position), every page drawn as
// of that position from GET /state?at=, a banner while in the past, and jumps to just before / after an HA event.
import { useEffect, useState } from 'preact/hooks';
import { simTime } from '../format.js';
import { html } from '../html.js';
import type { Api } from '../api.js';
import { errorText, notify, travel, useConsole } from '../store.js';
import { useLoad } from './load.js';

const HA_TYPES = ['HostFaultInjected', 'HostFailureDetected', 'HostIsolationDetected', 'VmFaultInjected', 'VmRestarted', 'VmRestartedInPlace', 'VmFailedNeedsOperator'];
/** slider moves are coalesced: each settled position is one GET /state?at= */
const SETTLE_MS = 250;
const TICKS_PER_PAGE = 5000;

export function TimeTravel() {
  const { at, head, api } = useConsole();
  const [draft, setDraft] = useState<number | null>(null);
  const [simGoal, setSimGoal] = useState(0);
  const shown = draft ?? at ?? head;
  useEffect(() => {
    if (draft === null) return;
    const t = setTimeout(() => { travel(draft >= head ? null : draft); setDraft(null); }, SETTLE_MS);
    return () => clearTimeout(t);
  }, [draft]);
  const when = useLoad(at === null ? null : (api) => api.get<{ items: any[] }>(`/events?after=${Math.max(0, at - 1)}&limit=1`), [at]);
  const ha = useLoad((api) => api.get<{ items: any[] }>(`/events?type=${HA_TYPES.join(',')}&limit=1000`), [head]);
  const [jump, setJump] = useState('');
  const haEvents = ha.data?.items ?? [];
  const chosen = haEvents.find((e) => String(e.position) === jump) ?? haEvents[0];
  const onSlide = (e: Event) => setDraft(Number((e.target as HTMLInputElement).value));
  return html`
    <section class="travel" aria-label="Time travel">
      <label for="travel-slider">Log position</label>
      <input id="travel-slider" type="range" min="1" max=${Math.max(1, head)} step="1" value=${shown} onInput=${onSlide}
        aria-valuetext=${`position ${shown} of ${head}${at === null && draft === null ? ' (live)' : ''}`} />
      <label for="travel-at" class="sr-only">Go to position</label>
      <input id="travel-at" type="number" min="1" max=${head} value=${shown} onChange=${(e: Event) => travel(Number((e.target as HTMLInputElement).value))} />
      <form class="inline-form" onSubmit=${(e: Event) => { e.preventDefault(); void toSimTime(api, simGoal); }}>
        <label for="travel-sim">Simulated second</label>
        <input id="travel-sim" type="number" min="0" value=${simGoal} onInput=${(e: Event) => setSimGoal(Number((e.target as HTMLInputElement).value))} />
        <button type="submit">Go</button>
      </form>
      <button type="button" onClick=${() => travel(null)} disabled=${at === null}>Live</button>
      ${haEvents.length > 0 && html`<span class="jump">
        <label for="travel-ha">HA event</label>
        <select id="travel-ha" value=${chosen ? String(chosen.position) : ''} onChange=${(e: Event) => setJump((e.target as HTMLSelectElement).value)}>
          ${haEvents.map((e) => html`<option key=${e.position} value=${String(e.position)}>#${e.position} ${e.type} ${e.data.vmId ?? e.data.hostId ?? ''} (${simTime(e.metadata.simTime)})</option>`)}
        </select>
        <button type="button" onClick=${() => chosen && travel(chosen.position - 1)}>Just before</button>
        <button type="button" onClick=${() => chosen && travel(chosen.position)}>Just after</button>
      </span>`}
    </section>
    ${at !== null && html`<div class="past" role="status" data-testid="past-banner">
      You are looking at the past: log position ${at} of ${head}${when.data?.items[0] ? `, simulated time ${simTime(when.data.items[0].metadata.simTime)}` : ''}. Nothing here moves and no action can be taken.
      <button type="button" onClick=${() => travel(null)}>Back to live</button>
    </div>`}`;
}

/** the last log position whose clock had not passed `seconds`: the tick event after it starts the next second */
async function toSimTime(api: Api | null, seconds: number): Promise<void> {
  if (!api) return;
  try {
    for (let after = 0; ;) {
      const page = await api.get<{ items: any[]; nextCursor: string | null }>(`/events?type=ClockAdvanced&after=${after}&limit=${TICKS_PER_PAGE}`);
      const past = page.items.find((e) => e.data.simTime > seconds);
      if (past) return travel(past.position - 1);
      if (!page.nextCursor) return travel(null);
      after = Number(page.nextCursor);
    }
  } catch (err) { notify({ kind: 'error', text: `time travel: ${errorText(err)}` }); }
}
