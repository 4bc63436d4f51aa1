import { parseWhatIf } from './file.js';

const scenario = `
cluster: { name: c }
hosts:
  - name: "esx-{n}"
    count: 2
    cpu: { sockets: 1, coresPerSocket: 4, threadsPerCore: 1, mhz: 2000, vendor: intel, model: x }
    memoryMiB: 8192
    hypervisor: { type: type1, mode: hardware-assisted }
timeline:
  - at: 1m
    fault: { host: esx-1, kind: power-loss }
  - advance: 1m
  - at: 3m
    policy: { drs: { enabled: true } }
`;

it('a B4 scenario plus whatif and variants: setup, steps in the API shape, variants', () => {
  const r = parseWhatIf(`${scenario}whatif: { seconds: 600 }\nvariants: [{ name: dpm, changes: [{ policy: { dpm: { enabled: true } } }] }]\n`);
  expect(r.issues).toEqual([]);
  expect(r.file!.plan.hosts.map((h) => h.name)).toEqual(['esx-1', 'esx-2']);
  expect(r.file!.plan.steps).toEqual([]);
  expect(r.file!.steps).toEqual([{ at: 60, do: { fault: { host: 'esx-1', kind: 'power-loss' } } }, { at: 180, do: { policy: { drs: { enabled: true } } } }]);
  expect(r.file!).toMatchObject({ seconds: 600, variants: [{ name: 'dpm', changes: [{ policy: { dpm: { enabled: true } } }] }] });
});

it('refuses a file without seconds or variants, and steps a fork cannot replay', () => {
  expect(parseWhatIf(scenario).issues.map((i) => i.path.join('.'))).toEqual(['whatif.seconds', 'variants']);
  const r = parseWhatIf(`${scenario}  - at: 4m\n    applyDrs: true\nwhatif: { seconds: 600 }\nvariants: [{ name: a, changes: [] }]\n`);
  expect(r.issues.map((i) => i.message)).toEqual([expect.stringContaining('the applyDrs step cannot run in a what-if')]);
});
