// Renders a kustomization for the deploy test: `kubectl kustomize` when kubectl is installed, else a small
// merge of the features deploy/k8s uses (resources, namespace, labels on metadata and pod templates, images,
// replicas, and patches merged by kind and name: maps deep-merged, lists of named items (containers, env) merged
// by name as a strategic merge does (the patch's items first), other lists replaced), so that the test runs
// without any binary. The test also checks that both agree where kubectl is present.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Y = any;
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

export function parseYaml(text: string, where: string): Y[] {
  return parseAllDocuments(text, { merge: true }).map((d) => {
    if (d.errors.length) throw new Error(`${where}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS({ maxAliasCount: -1 });
  }).filter((d) => d != null);
}

export function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function renderWithKubectl(dir: string): Y[] {
  return parseYaml(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), `kubectl kustomize ${dir}`);
}

export function renderWithoutKubectl(dir: string): Y[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), `${dir}/kustomization.yaml`)[0];
  let out: Y[] = (k.resources ?? []).flatMap((r: string) => {
    const path = join(dir, r);
    return statSync(path).isDirectory() ? renderWithoutKubectl(path) : parseYaml(readFileSync(path, 'utf8'), path);
  });
  for (const p of k.patches ?? []) {
    for (const patch of parseYaml(readFileSync(join(dir, p.path), 'utf8'), p.path)) {
      out = out.map((r) => (r.kind === patch.kind && r.metadata?.name === patch.metadata?.name ? merge(r, patch) : r));
    }
  }
  for (const r of out) {
    if (k.namespace && !CLUSTER_SCOPED.has(r.kind)) r.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) {
      r.metadata.labels = { ...r.metadata.labels, ...l.pairs };
      if (l.includeTemplates && r.spec?.template?.metadata) r.spec.template.metadata.labels = { ...r.spec.template.metadata.labels, ...l.pairs };
    }
    for (const c of podContainers(r)) {
      const image = (k.images ?? []).find((i: Y) => c.image.split(/[:@]/)[0] === i.name);
      if (image) c.image = `${image.newName ?? image.name}${image.digest ? `@${image.digest}` : `:${image.newTag}`}`;
    }
    const replicas = (k.replicas ?? []).find((x: Y) => x.name === r.metadata.name);
    if (replicas && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(r.kind)) r.spec.replicas = replicas.count;
  }
  return out;
}

function podContainers(r: Y): Y[] {
  const spec = r.spec?.template?.spec;
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

const named = (x: Y): boolean => Array.isArray(x) && x.length > 0 && x.every((i) => typeof i === 'object' && i !== null && typeof i.name === 'string');

function merge(a: Y, b: Y): Y {
  if (named(a) && named(b)) {
    return [...b.map((p: Y) => { const o = a.find((i: Y) => i.name === p.name); return o ? merge(o, p) : p; }), ...a.filter((o: Y) => !b.some((p: Y) => p.name === o.name))];
  }
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const out = { ...a };
  for (const [key, v] of Object.entries(b)) out[key] = key in a ? merge(a[key], v) : v;
  return out;
}

/** the rendered manifests of a kustomization folder */
export const renderKustomization = (dir: string): Y[] => (kubectlAvailable() ? renderWithKubectl(dir) : renderWithoutKubectl(dir));
