// The web console at /ui in the system Chromium (playwright-core; nothing downloads a browser): sign-in, the
// inventory tree, live updates from the event stream, an HA restart on the cluster page and in the VM's
// timeline, time travel to before the failure, roles, keyboard use and an axe-core accessibility check.
// Without Chromium the suite is skipped locally and fails under CI=true.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, natsUrl, uniqueName } from '@virtsim/testing';
import { startSystem, type System } from './system.js';
import { apiClient, hostSpec, vmSpec } from './test-api.js';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`CI: the console tests need Chromium at ${CHROMIUM} (apt-get install chromium)`);
const describeBrowser = haveChromium ? describe : describe.skip;
/** the bound: a VM created through the API shows in an open console within 2 s, without a reload */
const LIVE_UPDATE_MS = 2000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sys: System;
let browser: Browser;
let admin: ReturnType<typeof apiClient>;
let clusterId: string;
let web01: string;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!haveChromium) return;
  // the normal build writes the bundle the vrm serves (dist/console)
  await promisify(execFile)('node', ['tools/build.mjs'], { cwd: root });
  db = await createTestDatabase('console_e2e');
  sys = await startSystem({
    DATABASE_URL: db.url, NATS_URL: natsUrl(), VIRTSIM_SUBJECT_PREFIX: uniqueName('console'),
    VIRTSIM_API_TOKENS: 'admin:adm-t,operator:op-t,auditor:aud-t',
  });
  admin = apiClient(sys.url, 'adm-t');
  const c = await admin.post('/clusters', { name: 'prod', cpuOvercommitRatio: 4, ha: { enabled: true, hostFailuresTolerated: 1 }, drs: { enabled: true, automation: 'manual', threshold: 3 } });
  clusterId = c.body.id;
  for (const n of ['esx01', 'esx02', 'esx03']) expect((await admin.post(`/clusters/${clusterId}/hosts`, hostSpec(n, { pciDevices: [{ kind: 'gpu', model: 'T4' }] }))).status).toBe(201);
  const r = await admin.post('/vms?wait=true', vmSpec(clusterId, 'web01', { powerOn: true, ha: { enabled: true, priority: 'high' } }));
  expect(r.body.state).toBe('succeeded');
  web01 = r.body.result.vmId;
  expect((await admin.post('/vms?wait=true', vmSpec(clusterId, 'db01', { powerOn: true }))).body.state).toBe('succeeded');
  expect((await admin.post('/sim/advance', { seconds: 20 })).status).toBe(200);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
  await db?.drop();
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  // no console errors on any page a test opened
  expect(problems.splice(0)).toEqual([]);
});

async function open(token: string | null, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} (${page.url()})`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`${sys.url}/ui/`);
  if (token) {
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=role]');
  }
  return page;
}

const hostOf = async (vmId: string) => (await admin.get(`/vms/${vmId}`)).body.hostId as string;
const hostName = async (hostId: string) => (await admin.get(`/hosts/${hostId}`)).body.name as string;
const treeLink = (page: Page, name: string) => page.locator('nav.tree a', { hasText: new RegExp(`^${name}$`) });

describeBrowser('web console', () => {
  test('GET /me says who a token is and what it may do', async () => {
    expect((await apiClient(sys.url, 'op-t').get('/me')).body).toEqual({ role: 'operator', may: { operate: true, changePolicy: false } });
    expect((await apiClient(sys.url, 'aud-t').get('/me')).body).toEqual({ role: 'auditor', may: { operate: false, changePolicy: false } });
    expect((await admin.get('/me')).body).toEqual({ role: 'admin', may: { operate: true, changePolicy: true } });
    expect((await apiClient(sys.url, 'nope').get('/me')).status).toBe(401);
  });

  test('signs in with a token and the tree shows what the API created', async () => {
    const page = await open(null);
    await page.fill('#token', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('unknown API token');
    // the browser logs the refused sign-in's 401; nothing else may be logged
    expect(problems.splice(0)).toEqual([expect.stringContaining('401 (Unauthorized)')]);
    await page.fill('#token', 'op-t');
    await page.click('button[type=submit]');
    expect(await page.textContent('[data-testid=role]')).toBe('operator');
    for (const name of ['prod', 'esx01', 'esx02', 'esx03', 'web01', 'db01']) await treeLink(page, name).waitFor();
    await page.fill('#search', 'db');
    await treeLink(page, 'web01').waitFor({ state: 'detached' });
    expect(await treeLink(page, 'db01').count()).toBe(1);
    // the token lives in sessionStorage: a reload stays signed in
    await page.reload();
    await page.waitForSelector('[data-testid=role]');
  });

  test('a VM created through the API appears without a reload', async () => {
    const page = await open('op-t');
    await treeLink(page, 'web01').waitFor();
    const r = await admin.post('/vms', vmSpec(clusterId, 'live01', { powerOn: true }));
    expect(r.status).toBe(202);
    await treeLink(page, 'live01').waitFor({ timeout: LIVE_UPDATE_MS });
    await admin.get(`/tasks/${r.body.id}?wait=true`);
  });

  test('a host fault shows the HA restart on the cluster page and in the VM timeline; time travel shows the old host', async () => {
    const page = await open('op-t');
    const oldHost = await hostOf(web01);
    const oldName = await hostName(oldHost);
    await page.goto(`${sys.url}/ui/#/cluster/${clusterId}`);
    await page.waitForSelector(`.heatmap li[data-host=${oldHost}]`);
    // the operator injects the fault and advances the clock from the console itself
    await page.goto(`${sys.url}/ui/#/host/${oldHost}`);
    await page.selectOption('#fault-kind', 'power-loss');
    await page.click('button:has-text("Inject fault")');
    await page.waitForSelector('.notice.info');
    await page.fill('#advance-seconds', '60');
    await page.click('button:has-text("Advance clock")');
    await page.goto(`${sys.url}/ui/#/cluster/${clusterId}`);
    await page.waitForSelector('[data-panel=ha] >> text=/1 fenced/');
    await page.waitForSelector(`.heatmap li[data-host=${oldHost}] .badge.s-fault`);
    const newHost = await hostOf(web01);
    expect(newHost).not.toBe(oldHost);
    const newName = await hostName(newHost);

    await page.goto(`${sys.url}/ui/#/vm/${web01}`);
    await page.waitForSelector('.timeline li[data-type=VmRestarted]');
    expect(await page.textContent('.timeline li[data-type=VmRestarted]')).toContain(`${oldHost} → ${newHost}`);
    expect(await page.textContent('[data-testid=vm-host]')).toBe(newName);

    // jump to just before the fault: the VM is on its old host, under the banner
    const fault = (await admin.get('/events?type=HostFaultInjected')).body.items[0];
    await page.selectOption('#travel-ha', String(fault.position));
    await page.click('button:has-text("Just before")');
    await page.waitForSelector('[data-testid=past-banner]');
    await page.waitForSelector(`[data-testid=vm-host] >> text=${oldName}`);
    expect(await page.locator('.write').count()).toBe(0);
    expect(await page.locator('.timeline li[data-type=VmRestarted]').count()).toBe(0);
    // the slider itself: its first position is before the VM existed
    await page.focus('#travel-slider');
    await page.keyboard.press('Home');
    await page.waitForSelector(`text=No VM ${web01} at this point of the log`);
    // by simulated time: second 10 is before the fault (injected at second 20)
    await page.fill('#travel-sim', '10');
    await page.click('#travel-sim ~ button');
    await page.waitForSelector(`[data-testid=vm-host] >> text=${oldName}`);
    expect(await page.textContent('[data-testid=past-banner]')).toContain('simulated time 0h 00m 10s');
    await page.click('[data-testid=past-banner] button');
    await page.waitForSelector('[data-testid=past-banner]', { state: 'detached' });
    await page.waitForSelector(`[data-testid=vm-host] >> text=${newName}`);
  });

  test('what-if: a host failure forked from the present, side by side with the baseline', async () => {
    const page = await open('op-t');
    await page.goto(`${sys.url}/ui/#/whatif`);
    await page.selectOption('#wi-change', 'fault');
    await page.selectOption('#wi-host', await hostOf(web01));
    await page.fill('#wi-seconds', '120');
    await page.click('button:has-text("Run what-if")');
    await page.waitForSelector('[data-testid=whatif-table]', { timeout: 110_000 });
    const headers = await page.locator('[data-testid=whatif-table] thead th').allTextContents();
    expect(headers).toEqual(['Figure', 'baseline', 'fault']);
    const restarts = await page.locator('[data-testid=whatif-table] tbody tr', { hasText: 'HA restarts' }).locator('td').allTextContents();
    expect(Number(restarts[0])).toBe(0);
    expect(Number(restarts[1])).toBeGreaterThan(0);
  });

  test('an auditor sees no write buttons', async () => {
    const page = await open('aud-t');
    expect(await page.textContent('[data-testid=role]')).toBe('auditor');
    const host = await hostOf(web01);
    for (const hash of [`#/cluster/${clusterId}`, `#/host/${host}`, `#/vm/${web01}`, '#/tasks', '#/new-vm', '#/whatif']) {
      await page.goto(`${sys.url}/ui/${hash}`);
      await page.waitForSelector('main h1, main p');
      expect(await page.locator('.write').count()).toBe(0);
      for (const label of ['Inject fault', 'Advance clock', 'Create VM', 'Migrate', 'Apply', 'Enter maintenance', 'Start', 'Run what-if']) {
        expect(await page.locator(`button:has-text("${label}")`).count()).toBe(0);
      }
    }
  });

  test('keyboard only: sign in, reach the cluster from the tree, open a host', async () => {
    const page = await open(null);
    await page.focus('#token');
    await page.keyboard.type('op-t');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=role]');
    const focusedText = () => page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim() ?? '');
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await focusedText()) === 'prod';
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('main h1:has-text("Cluster prod")');
    for (let i = 0; i < 40 && (await focusedText()) !== 'esx02'; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('main h1:has-text("Host esx02")');
  });

  test('axe-core finds no serious accessibility violations', async () => {
    // bypassCSP: the console's policy forbids inline scripts, and axe is injected as one
    const page = await open(null, { bypassCSP: true });
    const axe = join(root, 'node_modules/axe-core/axe.min.js');
    const check = async (where: string) => {
      await page.addScriptTag({ path: axe });
      const result = await page.evaluate(() => (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }));
      const serious = (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[])
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${where}: ${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(serious).toEqual([]);
    };
    await check('sign-in');
    await page.fill('#token', 'op-t');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=role]');
    const host = await hostOf(web01);
    for (const [hash, ready] of [[`#/cluster/${clusterId}`, '.heatmap li'], [`#/host/${host}`, '[data-panel=memory]'], [`#/vm/${web01}`, '.timeline li'], ['#/tasks', 'main h1'], ['#/new-vm', '#vm-name'], ['#/whatif', '#wi-seconds']]) {
      await page.goto(`${sys.url}/ui/${hash}`);
      await page.waitForSelector(ready);
      await check(hash);
    }
    const shot = process.env.VIRTSIM_CONSOLE_SCREENSHOT;
    if (shot) {
      await page.goto(`${sys.url}/ui/#/cluster/${clusterId}`);
      await page.waitForSelector('.heatmap li');
      await page.waitForSelector('.chart canvas');
      await page.screenshot({ path: resolve(root, shot), fullPage: true });
    }
  });
});
