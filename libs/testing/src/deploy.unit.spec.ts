// The deployment files agree with the code: docker-compose.yml, deploy/k8s (rendered by kustomize, see
// kustomize.ts), Dockerfile and .dockerignore are parsed (no Docker engine, no cluster) and checked against
// SERVICES, the config schema (loadConfig), PORT 8080, the probes (/health/live, /health/ready) and the build
// (tools/build.mjs -> dist/launcher/main.js); the Kubernetes properties of issue 20 are checked on the
// rendered manifests (leader routing, probes, spread, images, Job TTL, NetworkPolicy, tokens, heap limits).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '@virtsim/service-kit';
import { SERVICES } from '@virtsim/messaging';
import { kubectlAvailable, parseYaml, renderKustomization, renderWithKubectl, renderWithoutKubectl } from './kustomize.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const text = (rel: string) => readFileSync(join(root, rel), 'utf8');
const PORT = 8080;
/** an image named by a version tag or a digest, never `latest` or no tag */
const PINNED_IMAGE = /^virtsim(:\d+\.\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64}|:dev)$/;
/** variables the containers may set beyond loadConfig's: V8 flags, the pod IP for VIRTSIM_ADVERTISE_URL */
const NON_CONFIG_ENV = new Set(['NODE_OPTIONS', 'POD_IP']);
const SAMPLE_POD_IP = '10.1.2.3';

type Y = any;

const yamlDocs = (rel: string): Y[] => parseYaml(text(rel), rel);

/** the keys of `const Env = z.object({...})` in the config module, read as text */
function schemaKeys(): Set<string> {
  const src = text('libs/service-kit/src/config.ts');
  const m = /const Env = z\.object\(\{([\s\S]*?)\n\}\);/.exec(src);
  if (!m) throw new Error('const Env = z.object({...}) not found in libs/service-kit/src/config.ts');
  return new Set([...m[1]!.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((k) => k[1]!));
}
const KEYS = schemaKeys();

function expectAccepted(where: string, env: Record<string, string>) {
  for (const k of Object.keys(env)) {
    if (!KEYS.has(k)) throw new Error(`${where}: ${k} is not a configuration variable (libs/service-kit/src/config.ts)`);
  }
  try {
    return loadConfig(env as NodeJS.ProcessEnv);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`${where}: loadConfig refused the environment: ${err.message}`, { cause: err });
    throw err;
  }
}

/** docker compose interpolation: ${VAR:-default} / ${VAR-default} / ${VAR} / $$ (the defaults apply: no .env here) */
function interpolate(v: unknown): string {
  return String(v)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_, _name, def) => def ?? '')
    .replace(/\$\$/g, '$');
}
const asEnvMap = (env: Y): Record<string, string> => {
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => { const i = e.indexOf('='); return [e.slice(0, i), interpolate(e.slice(i + 1))]; }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
};
const flat = (cmd: unknown) => (Array.isArray(cmd) ? cmd.join(' ') : String(cmd ?? ''));

describe('schema keys read from config.ts', () => {
  it('are the variables loadConfig knows (sanity of the extraction)', () => {
    for (const k of ['DATABASE_URL', 'NATS_URL', 'PORT', 'VIRTSIM_SERVICE', 'VIRTSIM_API_TOKENS', 'LOG_LEVEL']) expect(KEYS).toContain(k);
    expect(loadConfig({}).PORT).toBe(PORT);
    expect(() => loadConfig({ VIRTSIM_SERVICE: 'no-such-service' })).toThrow(ConfigError);
  });
});

describe('docker-compose.yml', () => {
  const [compose] = yamlDocs('docker-compose.yml');
  const services: Record<string, Y> = compose.services;
  const virtsim = Object.entries(services).filter(([, s]) => /^virtsim[:@]/.test(String(s.image)) || s.build !== undefined);

  it('pins postgres 15.x (pg_isready) and nats 2.x.y (healthz on 8222) without JetStream, which nothing uses', () => {
    expect(services.postgres.image).toMatch(/^postgres:15\.\d+(-[a-z0-9.]+)?$/);
    expect(flat(services.postgres.healthcheck.test)).toContain('pg_isready');
    expect(services.nats.image).toMatch(/^nats:2\.\d+\.\d+(-[a-z0-9.]+)?$/);
    for (const flag of ['-js', '--jetstream', '-sd']) expect(flat(services.nats.command).split(' ')).not.toContain(flag);
    expect(flat(services.nats.healthcheck.test)).toContain('8222/healthz');
    expect(Object.keys(compose.volumes ?? {})).toEqual(['pgdata']);
  });

  it('names the virtsim image by its version, never latest', () => {
    for (const [, s] of virtsim) expect(interpolate(s.image)).toMatch(PINNED_IMAGE);
  });

  it.each([...SERVICES])('runs %s from the one image with VIRTSIM_SERVICE, a /health check, after db and nats', (name) => {
    const s = services[name];
    expect(s).toBeDefined();
    expect(s.build === '.' || s.build?.context === '.').toBe(true);
    expect(interpolate(s.image)).toMatch(PINNED_IMAGE);
    const env = asEnvMap(s.environment);
    expect(env.VIRTSIM_SERVICE).toBe(name);
    expect(env.PORT).toBe(String(PORT));
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.+@postgres:5432\//);
    expect(env.NATS_URL).toBe('nats://nats:4222');
    expect(env.VIRTSIM_API_TOKENS).toBeTruthy();
    const cfg = expectAccepted(`compose ${name}`, env);
    expect(cfg).toMatchObject({ VIRTSIM_SERVICE: name, PORT, embedded: false });
    const hc = flat(s.healthcheck?.test);
    expect(hc).toContain(`:${PORT}/health/ready`);
    expect(s.depends_on.postgres.condition).toBe('service_healthy');
    expect(s.depends_on.nats.condition).toBe('service_healthy');
  });

  it('every virtsim container (services and helpers) has an environment loadConfig accepts', () => {
    expect(virtsim.length).toBeGreaterThanOrEqual(SERVICES.length);
    for (const [name, s] of virtsim) {
      const env = asEnvMap(s.environment);
      const cfg = expectAccepted(`compose ${name}`, env);
      if (!(SERVICES as readonly string[]).includes(name)) continue;
      expect(cfg.VIRTSIM_SERVICE).toBe(name);
    }
    // and every VIRTSIM_SERVICE value names a service of that name
    for (const [name, s] of virtsim) {
      const v = asEnvMap(s.environment).VIRTSIM_SERVICE;
      if (v !== undefined) expect(v).toBe(name);
    }
  });

  it('only the vrm publishes a port: 8080:8080', () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === 'vrm') expect((s.ports ?? []).map(String)).toEqual([`${PORT}:${PORT}`]);
      else expect(s.ports ?? []).toEqual([]);
    }
  });

  it('a helper that depends on another one-shot container waits for it to complete', () => {
    for (const [, s] of virtsim) {
      for (const [dep, c] of Object.entries<Y>(s.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        if (services[dep].restart === 'no') expect(c.condition).toBe('service_completed_successfully');
      }
    }
  });
});

describe('deploy/k8s/base (rendered)', () => {
  const dir = 'deploy/k8s/base';
  const files = readdirSync(join(root, dir)).filter((f) => /\.ya?ml$/.test(f));
  const [kustomization] = yamlDocs(`${dir}/kustomization.yaml`);
  const resources: Y[] = renderKustomization(join(root, dir));
  const find = (kind: string, name: string) => resources.find((r) => r.kind === kind && r.metadata?.name === name);
  const configMaps = new Map<string, Record<string, string>>(resources.filter((r) => r.kind === 'ConfigMap').map((r) => [r.metadata.name, r.data ?? {}]));
  const secrets = new Map<string, Record<string, string>>(resources.filter((r) => r.kind === 'Secret').map((r) => [r.metadata.name, { ...(r.stringData ?? {}) }]));
  const podSpecs: [string, Y][] = resources.flatMap((r) => {
    if (r.kind === 'Deployment') return [[`Deployment ${r.metadata.name}`, r.spec.template.spec]];
    if (r.kind === 'Job') return [[`Job ${r.metadata.name}`, r.spec.template.spec]];
    return [];
  });

  /** the environment a container sees: envFrom (ConfigMap data, Secret stringData), then env */
  function containerEnv(where: string, c: Y): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const src = from.configMapRef ? configMaps.get(from.configMapRef.name) : secrets.get(from.secretRef?.name);
      if (!src) throw new Error(`${where}: envFrom refers to ${JSON.stringify(from)}, not in the base`);
      Object.assign(env, src);
    }
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (_, v) => env[v] ?? `$(${v})`);
      else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = SAMPLE_POD_IP;
      else if (e.valueFrom?.secretKeyRef) {
        const v = secrets.get(e.valueFrom.secretKeyRef.name)?.[e.valueFrom.secretKeyRef.key];
        if (v === undefined) throw new Error(`${where}: ${e.name} refers to a missing secret key ${JSON.stringify(e.valueFrom.secretKeyRef)}`);
        env[e.name] = v;
      } else if (e.valueFrom?.configMapKeyRef) {
        const v = configMaps.get(e.valueFrom.configMapKeyRef.name)?.[e.valueFrom.configMapKeyRef.key];
        if (v === undefined) throw new Error(`${where}: ${e.name} refers to a missing config key`);
        env[e.name] = v;
      } else {
        env[e.name] = '';
      }
    }
    for (const k of NON_CONFIG_ENV) delete env[k];
    return env;
  }

  it('kustomization.yaml lists every manifest file of the folder, and they exist', () => {
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('ConfigMap and Secret keys are configuration variables', () => {
    for (const [name, data] of [...configMaps, ...secrets]) {
      for (const k of Object.keys(data)) {
        if (!KEYS.has(k)) throw new Error(`${name}: ${k} is not a configuration variable`);
      }
    }
    expect(secrets.get('virtsim-secrets')).toEqual(expect.objectContaining({ DATABASE_URL: expect.any(String), VIRTSIM_API_TOKENS: expect.any(String) }));
  });

  it.each([...SERVICES])('%s: a Deployment (VIRTSIM_SERVICE, port 8080 "http", probes, resources) and a Service', (name) => {
    const d = find('Deployment', `virtsim-${name}`);
    expect(d).toBeDefined();
    const replicas = d.spec.replicas;
    if (name === 'vrm') expect(replicas).toBe(2);
    else expect(replicas === 1 || replicas === 2).toBe(true);
    const tpl = d.spec.template;
    for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) expect(tpl.metadata.labels[k]).toBe(v);
    const containers: Y[] = tpl.spec.containers;
    expect(containers).toHaveLength(1);
    const c = containers[0];
    expect(c.image).toMatch(PINNED_IMAGE);
    const env = containerEnv(`Deployment virtsim-${name}`, c);
    expect(env.VIRTSIM_SERVICE).toBe(name);
    expect(expectAccepted(`Deployment virtsim-${name}`, env)).toMatchObject({ VIRTSIM_SERVICE: name, PORT, embedded: false });
    expect(c.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: PORT })]);
    // liveness and startup: the process alone (an outage of a dependency restarts nothing); readiness:
    // dependencies, projections and (vrm) a leader to answer
    const paths = { startupProbe: '/health/live', livenessProbe: '/health/live', readinessProbe: '/health/ready' };
    for (const [probe, path] of Object.entries(paths)) {
      expect(c[probe]?.httpGet).toEqual(expect.objectContaining({ path }));
      expect(['http', PORT]).toContain(c[probe].httpGet.port);
    }
    for (const k of ['cpu', 'memory']) {
      expect(c.resources?.requests?.[k]).toBeDefined();
      expect(c.resources?.limits?.[k]).toBeDefined();
      expect(quantity(c.resources.requests[k])).toBeLessThanOrEqual(quantity(c.resources.limits[k]));
    }

    const s = find('Service', `virtsim-${name}`);
    expect(s).toBeDefined();
    for (const [k, v] of Object.entries(s.spec.selector)) expect(tpl.metadata.labels[k]).toBe(v);
    expect(s.spec.ports).toEqual([expect.objectContaining({ port: PORT })]);
    expect(['http', PORT]).toContain(s.spec.ports[0].targetPort);
  });

  it('every container of every pod (init containers, the migration Job) sees a valid environment', () => {
    expect(podSpecs.length).toBeGreaterThan(SERVICES.length - 1);
    for (const [where, spec] of podSpecs) {
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        for (const e of c.env ?? []) if (!KEYS.has(e.name) && !NON_CONFIG_ENV.has(e.name)) throw new Error(`${where}/${c.name}: ${e.name} is not a configuration variable`);
        expectAccepted(`${where}/${c.name}`, containerEnv(`${where}/${c.name}`, c));
      }
    }
  });

  it('VIRTSIM_SERVICE appears only in the service Deployments, each naming its own service', () => {
    const seen: string[] = [];
    for (const r of resources.filter((x) => x.kind === 'Deployment')) {
      const v = r.spec.template.spec.containers[0].env?.find((e: Y) => e.name === 'VIRTSIM_SERVICE')?.value;
      expect(r.metadata.name).toBe(`virtsim-${v}`);
      seen.push(v);
    }
    expect(seen.sort()).toEqual([...SERVICES].sort());
    for (const data of [...configMaps.values(), ...secrets.values()]) expect(data.VIRTSIM_SERVICE).toBeUndefined();
  });

  it('the requests of all replicas fit a 2-core machine', () => {
    let cpu = 0;
    for (const r of resources.filter((x) => x.kind === 'Deployment')) {
      for (const c of r.spec.template.spec.containers) cpu += (r.spec.replicas ?? 1) * quantity(c.resources.requests.cpu);
    }
    expect(cpu).toBeLessThanOrEqual(1.5);
  });

  it('the dev overlay builds on the base with known configuration keys', () => {
    const odir = 'deploy/k8s/overlays/dev';
    const [k] = yamlDocs(`${odir}/kustomization.yaml`);
    expect(k.resources).toContain('../../base');
    const patched = { ...configMaps.get('virtsim-config') };
    for (const p of k.patches ?? []) {
      expect(existsSync(join(root, odir, p.path))).toBe(true);
      for (const doc of yamlDocs(`${odir}/${p.path}`)) {
        for (const key of Object.keys({ ...doc.data, ...doc.stringData })) expect(KEYS).toContain(key);
        if (doc.kind === 'ConfigMap' && doc.metadata.name === 'virtsim-config') Object.assign(patched, doc.data);
        if (doc.kind === 'Secret' && doc.metadata.name === 'virtsim-secrets') Object.assign(patched, doc.stringData);
      }
    }
    expectAccepted('overlay dev', { ...patched, VIRTSIM_SERVICE: 'vrm' });
  });
});

describe.each(['deploy/k8s/base', 'deploy/k8s/overlays/dev', 'deploy/k8s/overlays/sharded'])('%s as deployed (rendered)', (dir) => {
  const rendered: Y[] = renderKustomization(join(root, dir));
  const of = (kind: string) => rendered.filter((r) => r.kind === kind);
  const workloads = [...of('Deployment'), ...of('Job')];
  const vrm = of('Deployment').find((d) => d.metadata.name === 'virtsim-vrm');
  const container = (d: Y) => d.spec.template.spec.containers[0];
  const envOf = (c: Y, name: string) => c.env?.find((e: Y) => e.name === name);

  it('the vrm pair routes to the leader: a standby is Ready only when it can forward to the leader it names', () => {
    const c = container(vrm);
    expect(vrm.spec.replicas).toBe(2);
    expect(envOf(c, 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    expect(envOf(c, 'VIRTSIM_ADVERTISE_URL')?.value).toBe(`http://$(POD_IP):${PORT}`);
    // $(POD_IP) expands only when POD_IP is declared before it
    expect(c.env.findIndex((e: Y) => e.name === 'POD_IP')).toBeLessThan(c.env.findIndex((e: Y) => e.name === 'VIRTSIM_ADVERTISE_URL'));
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(text('apps/vrm/src/http/forward.ts')).toMatch(/addReadinessCheck\(/);
  });

  it('spreads the vrm pair over nodes (topology spread and anti-affinity on the vrm label)', () => {
    const spec = vrm.spec.template.spec;
    const selects = (sel: Y) => sel?.matchLabels?.['app.kubernetes.io/name'] === 'virtsim-vrm';
    expect(spec.topologySpreadConstraints.some((t: Y) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector))).toBe(true);
    const anti = spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(anti.some((a: Y) => a.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(a.podAffinityTerm.labelSelector))).toBe(true);
  });

  it('every pod: no service-account token, images by version tag or digest (never latest)', () => {
    expect(workloads.length).toBe(SERVICES.length + 1);
    for (const w of workloads) {
      const spec = w.spec.template.spec;
      expect([w.metadata.name, spec.automountServiceAccountToken]).toEqual([w.metadata.name, false]);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) expect(c.image).toMatch(PINNED_IMAGE);
    }
  });

  it('the migration Job cleans itself up (ttlSecondsAfterFinished)', () => {
    const [job] = of('Job');
    expect(job.metadata.name).toBe('virtsim-migrate');
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
  });

  it('V8 old space (NODE_OPTIONS --max-old-space-size) leaves room under each memory limit', () => {
    for (const d of of('Deployment')) {
      const c = container(d);
      const m = /--max-old-space-size=(\d+)/.exec(envOf(c, 'NODE_OPTIONS')?.value ?? '');
      expect([d.metadata.name, m?.[1]]).toEqual([d.metadata.name, expect.any(String)]);
      const limitMiB = quantity(c.resources.limits.memory) / 2 ** 20;
      // young generation, code, buffers and native memory (pg, NATS, PGlite not loaded) live beside the old space
      expect(Number(m![1])).toBeLessThanOrEqual(limitMiB * 0.8);
      expect(Number(m![1])).toBeGreaterThanOrEqual(limitMiB * 0.5);
    }
  });

  it('NetworkPolicy: everything denied but the API into the vrm, scraping /metrics, DNS, PostgreSQL and NATS', () => {
    const policies = of('NetworkPolicy');
    const podLabels = of('Deployment').map((d) => d.spec.template.metadata.labels);
    const selects = (sel: Y) => podLabels.filter((l) => Object.entries(sel.matchLabels ?? {}).every(([k, v]) => l[k] === v)).length;
    const deny = policies.find((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length && !p.spec.ingress && !p.spec.egress);
    expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(selects(deny.spec.podSelector)).toBe(SERVICES.length);
    const ports = (rules: Y[] | undefined) => (rules ?? []).flatMap((r) => (r.ports ?? [{ port: 'any' }]).map((x: Y) => x.port));
    const ingress = policies.flatMap((p) => ports(p.spec.ingress));
    const egress = policies.flatMap((p) => ports(p.spec.egress));
    expect([...new Set(ingress)].sort()).toEqual([PORT]);
    expect([...new Set(egress)].sort()).toEqual([4222, 53, 5432, PORT].sort());
    // the open API port is the vrm's only; the other services' 8080 is open to the monitoring namespace alone
    for (const p of policies.filter((x) => x.spec.ingress)) {
      const open = p.spec.ingress.some((r: Y) => !r.from);
      if (open) expect(p.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'virtsim-vrm' });
      else expect(p.spec.ingress.every((r: Y) => r.from.every((f: Y) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'))).toBe(true);
    }
    // PostgreSQL and NATS only in their namespaces; 8080 out only from a vrm to a vrm (a standby forwarding)
    for (const p of policies.filter((x) => x.spec.egress)) {
      for (const r of p.spec.egress) {
        const port = r.ports[0].port;
        if (port === PORT) expect([p.spec.podSelector.matchLabels, r.to[0].podSelector.matchLabels]).toEqual([{ 'app.kubernetes.io/name': 'virtsim-vrm' }, { 'app.kubernetes.io/name': 'virtsim-vrm' }]);
        if (port === 5432) expect(r.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('postgres');
        if (port === 4222) expect(r.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('nats');
      }
    }
  });

  it('no JetStream anywhere: NATS is request-reply and a doorbell', () => {
    expect(JSON.stringify(rendered)).not.toMatch(/jetstream/i);
  });

  (kubectlAvailable() ? it : it.skip)('the merge used without kubectl renders what kubectl kustomize renders', () => {
    const key = (r: Y) => `${r.kind}/${r.metadata.name}`;
    const sorted = (rs: Y[]) => Object.fromEntries(rs.map((r) => [key(r), r]));
    expect(sorted(renderWithoutKubectl(join(root, dir)))).toEqual(sorted(renderWithKubectl(join(root, dir))));
  });
});

describe('docker-compose.sharded.yml', () => {
  const [base] = yamlDocs('docker-compose.yml');
  const [sharded] = yamlDocs('docker-compose.sharded.yml');

  it('adds replicas and VIRTSIM_SHARDS to scheduler and memory-manager of docker-compose.yml, an environment loadConfig accepts', () => {
    expect(Object.keys(sharded.services).sort()).toEqual(['memory-manager', 'scheduler']);
    for (const [name, s] of Object.entries<Y>(sharded.services)) {
      expect(s.deploy.replicas).toBe(2);
      const env = { ...asEnvMap(base.services[name].environment), ...asEnvMap(s.environment) };
      expect(expectAccepted(`docker-compose.sharded.yml ${name}`, env).VIRTSIM_SHARDS).toBe(8);
      // replicas of one service: no fixed container name or published port to collide on
      expect([base.services[name].container_name, base.services[name].ports]).toEqual([undefined, undefined]);
    }
  });
});

describe('deploy/k8s/overlays/sharded (rendered)', () => {
  const deployments = renderKustomization(join(root, 'deploy/k8s/overlays/sharded')).filter((r: Y) => r.kind === 'Deployment');
  const envOf = (d: Y) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Y) => [e.name, e.value]));

  it('runs scheduler and memory-manager as two replicas each with VIRTSIM_SHARDS, every other service as the base', () => {
    for (const d of deployments) {
      const env = envOf(d);
      const service = env.VIRTSIM_SERVICE;
      if (service === 'scheduler' || service === 'memory-manager') {
        expect([service, d.spec.replicas, env.VIRTSIM_SHARDS]).toEqual([service, 2, '8']);
        // the patch added the variable: the base's container (image, probes, the rest of its env) is kept
        expect(d.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/health/ready');
        expect(env.NODE_OPTIONS).toMatch(/--max-old-space-size/);
        expect(loadConfig({ ...env, DATABASE_URL: 'postgres://x@db/virtsim', NATS_URL: 'nats://nats:4222' }).VIRTSIM_SHARDS).toBe(8);
      } else {
        expect([service, env.VIRTSIM_SHARDS]).toEqual([service, undefined]);
      }
    }
  });
});

describe('deploy/monitoring', () => {
  const defined = new Set([...`${text('libs/service-kit/src/metrics.ts')}\n${text('libs/service-kit/src/domain-metrics.ts')}`.matchAll(/(?:name: |gauge\()'([a-z_]+)'/g)].map((m) => m[1]!));

  it('the ServiceMonitor scrapes /metrics on port "http" of every virtsim Service', () => {
    const [sm] = yamlDocs('deploy/monitoring/servicemonitor.yaml');
    const services = renderKustomization(join(root, 'deploy/k8s/base')).filter((r) => r.kind === 'Service');
    const selected = services.filter((svc) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v));
    expect(selected.map((svc) => svc.metadata.name).sort()).toEqual(SERVICES.map((n) => `virtsim-${n}`).sort());
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    for (const svc of selected) expect(svc.spec.ports.map((p: Y) => p.name)).toContain('http');
  });

  it('the Prometheus scrape config keeps virtsim pods by the annotations the Deployments carry', () => {
    const [cfg] = yamlDocs('deploy/monitoring/prometheus.yml');
    const k8s = cfg.scrape_configs.find((c: Y) => c.kubernetes_sd_configs);
    expect(k8s.relabel_configs.map((r: Y) => r.source_labels.join(','))).toEqual(expect.arrayContaining([
      '__meta_kubernetes_pod_annotation_prometheus_io_scrape', '__address__,__meta_kubernetes_pod_annotation_prometheus_io_port']));
    const compose = cfg.scrape_configs.find((c: Y) => c.static_configs);
    expect(compose.static_configs[0].targets.sort()).toEqual(SERVICES.map((n) => `${n}:${PORT}`).sort());
  });

  it('the Grafana dashboard queries only metrics the services export', () => {
    const dashboard = JSON.parse(text('deploy/monitoring/grafana-dashboard.json'));
    const exprs: string[] = dashboard.panels.flatMap((p: Y) => p.targets.map((t: Y) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const e of exprs) {
      for (const [, name] of e.matchAll(/\b(virtsim_[a-z_]+?)(?:_bucket|_count|_sum)?\b(?=[{[)\s]|$)/g)) expect([e, defined.has(name!)]).toEqual([e, true]);
    }
    for (const m of ['virtsim_http_requests_total', 'virtsim_http_request_duration_seconds', 'virtsim_build_info', 'virtsim_vrm_leader_epoch', 'virtsim_vms', 'virtsim_hosts']) {
      expect(exprs.some((e) => e.includes(m))).toBe(true);
    }
  });
});

/** Kubernetes quantity -> number (cores for cpu, bytes for memory) */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`bad quantity ${q}`);
  const unit: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? unit[m[2]]! : 1);
}

describe('Dockerfile and build', () => {
  const dockerfile = text('Dockerfile');
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages = lines.reduce<string[][]>((acc, l) => { if (/^FROM\s/i.test(l)) acc.push([]); acc.at(-1)?.push(l); return acc; }, []);
  const final = stages.at(-1)!;
  const instr = (name: string) => final.filter((l) => l.toUpperCase().startsWith(name + ' ')).map((l) => l.slice(name.length).trim());

  it('builds on Node 22 LTS pinned to one release, in stages: npm ci, npm run build, npm prune --omit=dev', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(/^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1]).toMatch(/^node:22\.\d+\.\d+-bookworm-slim$/);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev']) expect(dockerfile).toContain(step);
  });

  it('the runtime stage: tini as PID 1, OCI labels, no TypeScript (the build drops it), no build tools', () => {
    expect(JSON.parse(instr('ENTRYPOINT').at(-1)!)).toEqual(['/usr/bin/tini', '--']);
    expect(final.join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
    const labels = instr('LABEL').join(' ');
    for (const k of ['title', 'description', 'version', 'revision', 'source']) expect(labels).toContain(`org.opencontainers.image.${k}=`);
    expect(stages.at(-2)!.join('\n')).toMatch(/rm -rf node_modules\/typescript/);
    // the runtime copies only the pruned node_modules, dist and package.json out of the build stage
    expect(instr('COPY').map((c) => c.split(/\s+/).at(-1))).toEqual(['./package.json', './node_modules', './dist']);
  });

  it('runs node dist/launcher/main.js as a non-root user, exposes 8080, checks /health with fetch', () => {
    expect(JSON.parse(instr('CMD').at(-1)!)).toEqual(['node', 'dist/launcher/main.js']);
    expect(instr('EXPOSE')).toEqual([String(PORT)]);
    const user = instr('USER').at(-1);
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    const hc = instr('HEALTHCHECK').at(-1)!;
    expect(hc).toContain('fetch(');
    expect(hc).toContain('/health/ready');
  });

  it('sets only configuration variables (and NODE_ENV) in the final image', () => {
    for (const e of instr('ENV')) {
      for (const [, k] of e.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) if (k !== 'NODE_ENV') expect(KEYS).toContain(k);
    }
  });

  it('the build compiles launcher/ to dist/launcher (tools/build.mjs)', () => {
    const pkg = JSON.parse(text('package.json'));
    expect(pkg.scripts.build).toBe('node tools/build.mjs');
    const m = /const dirs = \[([^\]]*)\]/.exec(text('tools/build.mjs'));
    expect(m?.[1]).toMatch(/['"]launcher['"]/);
    expect(text('tools/build.mjs')).toMatch(/join\(root, 'dist'\)/);
    expect(existsSync(join(root, 'launcher/main.ts'))).toBe(true);
  });

  it('.dockerignore keeps the sources and the lockfile in the context, node_modules and dist out', () => {
    const ignored = text('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', 'dist']) expect(ignored).toContain(p);
    for (const p of ['apps', 'libs', 'launcher', 'tools', 'package.json', 'package-lock.json', 'tsconfig.base.json', 'tools/build.mjs']) {
      expect(ignored.filter((i) => i === p || i === `${p}/` || i === `/${p}`)).toEqual([]);
    }
  });
});
