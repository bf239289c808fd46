import { loadManifest } from '@portcullis/manifest';
import { addService } from '../add-service/add-service';
import { generateDerivedFiles } from '../generate';
import { identityTable, policyTable } from '../tables';
import { list, UsageError, type Command } from './command';

export const tables: Command = {
  name: 'tables',
  summary: "print the README's identity and policy tables",
  synopsis: '',
  help: "Prints the README's identity and policy tables from the manifest.",
  async run({ location, print }) {
    const manifest = loadManifest(location.manifestFile);
    print(`${identityTable(manifest)}\n\n${policyTable(manifest)}`);
    return 0;
  },
};

export const generate: Command = {
  name: 'generate',
  summary: 'rewrite the files derived from the manifest',
  synopsis: '',
  help: "Rewrites the files derived from the manifest (docker-compose.yml's services and volumes, the README's tables).",
  async run({ location, print }) {
    const changed = generateDerivedFiles(loadManifest(location.manifestFile));
    print(changed.length > 0 ? `rewrote ${changed.join(', ')} from the manifest` : 'every derived file already agrees with the manifest');
    return 0;
  },
};

export const addServiceCommand: Command = {
  name: 'add service',
  summary: 'add a service to the manifest, the code and the derived files',
  synopsis: '<name> [--calls a,b] [--callers x,y] [--route "GET /path"]...',
  help: `Adds a service: its entry in mesh.yaml (comments and layout kept), services/<name> in the shape of the others,
the tsconfig reference, the derived files and its certificate; then prints what to do next.
  --calls a,b             the services it calls (it is allowed on their routes)
  --callers x,y           who may call its routes (services among them list it in their calls)
  --route "GET /path"     a route it serves; give it once per route`,
  positionals: true,
  options: { calls: { type: 'string', multiple: true }, callers: { type: 'string', multiple: true }, route: { type: 'string', multiple: true } },
  async run(input) {
    const [name, ...extra] = input.positionals;
    if (name === undefined || extra.length > 0) throw new UsageError('name exactly one service to add');
    const routes = input.values.route;
    await addService(
      input.location.manifestFile,
      input.location.certsDir,
      { name, calls: list(input, 'calls'), callers: list(input, 'callers'), routes: Array.isArray(routes) ? routes : [] },
      input.print,
    );
    return 0;
  },
};

export const workloads: Command = {
  name: 'workloads',
  summary: 'print every service and client, one a line',
  synopsis: '',
  help: 'Prints the name of every service and client of the manifest, one a line.',
  async run({ location, print }) {
    const manifest = loadManifest(location.manifestFile);
    for (const name of [...manifest.services.keys(), ...manifest.clients.keys()]) print(name);
    return 0;
  },
};
