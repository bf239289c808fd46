// Validates Kubernetes objects against the schemas of kubernetes-models and
// @kubernetes-models/cert-manager (which also carries trust-manager's Bundle).
// Both packages are ESM-only (exports with an "import" condition alone), which jest's
// CommonJS runtime cannot load, so the tests run this as a child process:
//   node test-support/validate-kubernetes.mjs < objects.json
// Input: a JSON array of objects. Output: a JSON array, per object, of
// { name: "Kind namespace/name", model: "<module>" | null, error: "..." | null }.
// The schemas check types, formats and required fields; they let unknown extra fields pass.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  const candidates =
    group === undefined
      ? [`kubernetes-models/${version}/${object.kind}`]
      : [`kubernetes-models/${group}/${version}/${object.kind}`, `@kubernetes-models/cert-manager/${group}/${version}/${object.kind}`];
  const name = `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
  let model = null;
  let error = null;
  for (const candidate of candidates) {
    let loaded;
    try {
      loaded = await import(candidate);
    } catch {
      continue;
    }
    model = candidate;
    try {
      new loaded[object.kind](object).validate();
    } catch (problem) {
      error = problem instanceof Error ? problem.message : String(problem);
    }
    break;
  }
  results.push({ name, model, error });
}
process.stdout.write(JSON.stringify(results));
