// Small pieces every page uses: hash routing, state badges, panels, definition lists.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';

export interface Route { page: string; id: string | null }

const parse = (): Route => {
  const [page = '', id = null] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { page, id };
};

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const href = (page: string, id?: string) => `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}`;

export const Badge = ({ state }: { state: string | null | undefined }) =>
  html`<span class=${`badge s-${state ?? 'unknown'}`}>${state ?? 'unknown'}</span>`;

export const Panel = ({ title, children, id }: { title: string; children?: unknown; id?: string }) => html`
  <section class="panel" aria-labelledby=${`${id ?? slug(title)}-h`} data-panel=${id ?? slug(title)}>
    <h2 id=${`${id ?? slug(title)}-h`}>${title}</h2>
    ${children}
  </section>`;

export const Facts = ({ items }: { items: [string, unknown][] }) => html`
  <dl class="facts">${items.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
