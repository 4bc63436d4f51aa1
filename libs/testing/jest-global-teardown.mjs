// Stops the containers jest-global-setup.mjs started (none when PostgreSQL and NATS were already there).
export default async function globalTeardown() {
  for (const c of (globalThis.__virtsimContainers ?? []).reverse()) await c.stop();
}
