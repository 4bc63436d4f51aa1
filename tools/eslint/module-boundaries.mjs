// Module boundaries from the Nx tags (the "nx": { "tags" } of each apps/* and libs/* package.json), in the
// option shape of @nx/enforce-module-boundaries (whose plugin has no release for the nx 24 this repo uses).
// Our projects are resolved both by alias (@virtsim/<name>[/sub], as tsconfig paths map them) and by
// relative path; a relative import into another project is an error of its own (use the alias).
//
// Options: { depConstraints: [{ sourceTag, onlyDependOnLibsWithTags?, allowedExternalImports? }], allowTestSupport? }
//   onlyDependOnLibsWithTags: a project of ours may be imported only if it carries one of these tags;
//   allowedExternalImports: if set, only these packages (and their subpaths) outside the repo may be imported.
//   allowTestSupport: if false (production code), a project's own test/ folder (its test support) is off limits.
// Every constraint whose sourceTag the importing project carries applies. Files outside any project
// (launcher/, bench/, tools/) are composition roots and harnesses: not checked.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** every project of the workspace: its folder, package name and Nx tags */
export function workspaceProjects(base = root) {
  return ['apps', 'libs'].flatMap((group) => {
    const dir = join(base, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const manifest = join(dir, name, 'package.json');
      if (!existsSync(manifest)) return [];
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      return [{ root: join(dir, name), name: pkg.name, tags: pkg.nx?.tags ?? [] }];
    });
  });
}

const projects = workspaceProjects();
const byName = new Map(projects.map((p) => [p.name, p]));
const projectOfPath = (file) => projects.find((p) => file === p.root || file.startsWith(p.root + sep));
const projectOfAlias = (source) => byName.get(/^@virtsim\/[^/]+/.exec(source)?.[0]);
const packageOf = (source) => (source.startsWith('@') ? source.split('/').slice(0, 2) : source.split('/').slice(0, 1)).join('/');

const inTestSupport = (project, file) => file.slice(project.root.length + 1).split(sep).includes('test');

function check(context, node, source, own, { constraints, allowTestSupport }) {
  const report = (message) => context.report({ node, message });
  let target;
  if (source.startsWith('.')) {
    const file = resolve(dirname(context.filename), source);
    target = projectOfPath(file);
    if (target && target !== own) return report(`'${source}' reaches into ${target.name} by path: import it as '${target.name}'`);
    if (!target) return report(`'${source}' leaves ${own.name}: a project imports only its own files and other projects by alias`);
    if (!allowTestSupport && inTestSupport(own, file)) report(`'${source}' is test support: production code may not import a test/ folder`);
    return;
  }
  target = projectOfAlias(source);
  if (target === own) return;
  for (const c of constraints) {
    if (target && c.onlyDependOnLibsWithTags && !target.tags.some((t) => c.onlyDependOnLibsWithTags.includes(t))) {
      return report(`${own.name} (${c.sourceTag}) may not import ${target.name} (${target.tags.join(', ')}): allowed ${c.onlyDependOnLibsWithTags.join(', ') || 'none of ours'}`);
    }
    if (!target && !source.startsWith('@virtsim/') && c.allowedExternalImports && !c.allowedExternalImports.includes(packageOf(source))) {
      return report(`${own.name} (${c.sourceTag}) may not import '${source}': allowed outside packages ${c.allowedExternalImports.join(', ') || 'none'}`);
    }
  }
  if (!target && source.startsWith('@virtsim/')) report(`'${source}' is no project of this workspace`);
}

const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between projects follow the Nx tags (docs/architecture.md)' },
    schema: [{ type: 'object', properties: { depConstraints: { type: 'array' }, allowTestSupport: { type: 'boolean' } }, additionalProperties: false }],
  },
  create(context) {
    const own = projectOfPath(resolve(context.filename));
    if (!own) return {};
    const options = context.options[0] ?? {};
    const rules = { constraints: (options.depConstraints ?? []).filter((c) => own.tags.includes(c.sourceTag)), allowTestSupport: options.allowTestSupport ?? false };
    const visit = (node) => {
      if (node.source && typeof node.source.value === 'string') check(context, node, node.source.value, own, rules);
    };
    return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
  },
};

export default { meta: { name: 'virtsim' }, rules: { 'module-boundaries': moduleBoundaries } };
