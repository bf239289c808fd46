import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The templates ship with the command (tools/mesh/templates), from both src/ and dist/ one level down. */
export const SERVICE_TEMPLATES = join(__dirname, '..', '..', 'templates', 'service');

/** Template file -> where it goes in services/<name>/ (`__name__` is the service's name). */
const FILES: readonly [string, string][] = [
  ['package.json.tpl', 'package.json'],
  ['tsconfig.json.tpl', 'tsconfig.json'],
  ['src/main.ts.tpl', 'src/main.ts'],
  ['src/module.ts.tpl', 'src/__name__.module.ts'],
  ['src/controller.ts.tpl', 'src/__name__.controller.ts'],
  ['test/controller.test.ts.tpl', 'test/__name__.controller.test.ts'],
];

const DECORATORS: Record<string, string> = { GET: 'Get', POST: 'Post', PUT: 'Put', PATCH: 'Patch', DELETE: 'Delete', HEAD: 'Head', OPTIONS: 'Options' };
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Writes services/<name>/ in the shape of the other services: a package, its
 * tsconfig, a main.ts that calls bootstrapService, a module, a controller with
 * one handler per route, and a test of those handlers. Returns the files written,
 * relative to `root`. Refuses to write over a folder that already exists.
 */
export function scaffoldService(root: string, name: string, routes: readonly string[]): string[] {
  const dir = join(root, 'services', name);
  if (existsSync(dir)) throw new Error(`${relative(process.cwd(), dir) || dir} already exists; remove it or pick another name`);
  const handlers = routes.map((route) => handlerOf(name, route));
  const values: Record<string, string> = {
    __Name__: pascal(name),
    __name__: name,
    __decorators__: ['Controller', ...new Set(handlers.flatMap((h) => h.decorators))].sort().join(', '),
    __handlers__: handlers.map((h) => h.code).join('\n\n'),
    __cases__: handlers.map((h) => h.test).join(''),
  };
  const render = (text: string) => text.replace(/__(Name|name|decorators|handlers|cases)__/g, (token) => values[token]!);
  const written: string[] = [];
  for (const [template, target] of FILES) {
    const file = join(dir, render(target));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, render(readFileSync(join(SERVICE_TEMPLATES, template), 'utf8')));
    written.push(relative(root, file));
  }
  return written;
}

/**
 * Adds services/<name> to the root tsconfig.json's project references, after
 * the last service, in the file's one-reference-a-line layout; `tsc -b` (and so
 * `pnpm build` and `pnpm start`) then builds it.
 */
export function addProjectReference(root: string, name: string): void {
  const file = join(root, 'tsconfig.json');
  const lines = readFileSync(file, 'utf8').split('\n');
  const last = lines.findLastIndex((line) => /\{\s*"path":\s*"services\//.test(line));
  if (last < 0) throw new Error(`${file}: has no services/* reference to add services/${name} after; add { "path": "services/${name}" } to its references`);
  const line = lines[last]!;
  const indent = /^\s*/.exec(line)![0];
  const entry = `${indent}{ "path": "services/${name}" }`;
  if (line.trimEnd().endsWith(',')) lines.splice(last + 1, 0, `${entry},`);
  else lines.splice(last, 1, `${line.trimEnd()},`, entry);
  writeFileSync(file, lines.join('\n'));
}

interface Handler {
  readonly decorators: readonly string[];
  readonly code: string;
  readonly test: string;
}

/** `GET /shipments/:id` -> a `@Get('shipments/:id')` method that says which route answered, and its test. */
function handlerOf(service: string, route: string): Handler {
  const [method, path] = route.split(' ') as [string, string];
  const decorator = DECORATORS[method];
  if (!decorator) throw new Error(`--route "${route}": ${method} is not one of ${Object.keys(DECORATORS).join(', ')}`);
  const params = [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  const body = WITH_BODY.has(method);
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const methodName = camel([method.toLowerCase(), ...words]);
  const args = [...params.map((p) => `@Param('${p}') ${p}: string`), ...(body ? ['@Body() body: unknown'] : [])];
  const braces = (fields: readonly string[]) => (fields.length ? `{ ${fields.join(', ')} }` : '{}');
  const answer = `{ service: SERVICE, route: '${route}', params: ${braces(params)}${body ? ', received: body' : ''} }`;
  const code = [`  @${decorator}('${path.replace(/^\//, '')}')`, `  ${methodName}(${args.join(', ')}): object {`, `    return ${answer};`, '  }'].join('\n');
  const sample = params.map((p) => `'${p}-1'`);
  const expected = `{ service: '${service}', route: '${route}', params: ${braces(params.map((p) => `${p}: '${p}-1'`))}${body ? ', received: { note: 1 }' : ''} }`;
  const test = `
  it('answers ${route}', () => {
    expect(controller.${methodName}(${[...sample, ...(body ? ['{ note: 1 }'] : [])].join(', ')})).toEqual(${expected});
  });`;
  return { decorators: [decorator, ...(params.length ? ['Param'] : []), ...(body ? ['Body'] : [])], code, test };
}

const pascal = (name: string) =>
  name
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
const camel = (words: readonly string[]) => words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
