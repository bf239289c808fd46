import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Document, isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Manifest } from '@portcullis/manifest';
import { baseFiles } from './base';
import { certManagerFiles } from './cert-manager';
import { DEPLOY_DIR, GENERATE_COMMAND } from './environment';
import { meshRenewerFiles } from './mesh-renewer';
import type { Documented, GeneratedFile } from './objects';

/** Every file of deploy/kubernetes, from the manifest: the base and both overlays. */
export function kubernetesFiles(manifest: Manifest): GeneratedFile[] {
  return [...baseFiles(manifest), ...certManagerFiles(manifest), ...meshRenewerFiles(manifest)];
}

/** A generated file's text: the header that says where it comes from, then its documents. */
export function renderFile(file: GeneratedFile): string {
  const header = [`# Generated from mesh.yaml by \`${GENERATE_COMMAND}\`: do not edit; edit mesh.yaml and run it again.`, `# ${file.about}.`].join('\n');
  return `${header}\n${file.documents.map(renderDocument).join('---\n')}`;
}

function renderDocument({ object, comments = [] }: Documented): string {
  // No anchors: a shared object (labels, a probe) is written out each time, as people read and patch these files.
  const doc = new Document(object, { aliasDuplicateObjects: false });
  for (const { path, text } of comments) commentAbove(doc, path, text, object.kind);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Puts a comment on the line above a map key (`duration:`) or a list item, where a reader looks for it. */
function commentAbove(doc: Document, path: readonly (string | number)[], text: string, kind: string): void {
  const last = path.at(-1);
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
    if (pair && isScalar(pair.key)) {
      pair.key.commentBefore = text;
      return;
    }
  } else if (isSeq(parent) && typeof last === 'number' && isNode(parent.items[last])) {
    (parent.items[last] as { commentBefore?: string | null }).commentBefore = text;
    return;
  }
  throw new Error(`no node at ${path.join('.')} in ${kind} to comment on`);
}

/**
 * `mesh kubernetes`: writes deploy/kubernetes beside the manifest and returns
 * the files whose content changed (relative to the manifest's folder).
 */
export function writeKubernetesFiles(manifest: Manifest): string[] {
  const root = dirname(manifest.file);
  const changed: string[] = [];
  for (const file of kubernetesFiles(manifest)) {
    const target = join(root, DEPLOY_DIR, file.path);
    const text = renderFile(file);
    if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    changed.push(relative(root, target));
  }
  return changed;
}

/**
 * Where deploy/kubernetes disagrees with the manifest, one sentence per file:
 * the first line that differs, what it says and what mesh.yaml makes it, and
 * the command that fixes it. Files in the folder that the manifest does not
 * make are named too. Empty when they agree.
 */
export function kubernetesProblems(manifest: Manifest): string[] {
  const root = dirname(manifest.file);
  const fix = `run "${GENERATE_COMMAND}"`;
  const problems: string[] = [];
  const expected = new Set<string>();
  for (const file of kubernetesFiles(manifest)) {
    const path = join(DEPLOY_DIR, file.path);
    expected.add(path);
    const target = join(root, path);
    if (!existsSync(target)) {
      problems.push(`${path} is missing; ${fix}`);
      continue;
    }
    const want = renderFile(file).split('\n');
    const have = readFileSync(target, 'utf8').split('\n');
    const index = want.findIndex((line, i) => have[i] !== line);
    const at = index === -1 ? (have.length > want.length ? want.length : -1) : index;
    if (at === -1) continue;
    const quote = (line: string | undefined) => (line === undefined ? 'the end of the file' : JSON.stringify(line.trim()));
    problems.push(`${path}:${at + 1} says ${quote(have[at])} but mesh.yaml makes it ${quote(want[at])}; ${fix}`);
  }
  for (const path of listYaml(join(root, DEPLOY_DIR)).map((file) => relative(root, file))) {
    if (!expected.has(path)) problems.push(`${path} is not made from mesh.yaml; delete it or ${fix}`);
  }
  return problems;
}

function listYaml(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listYaml(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}
