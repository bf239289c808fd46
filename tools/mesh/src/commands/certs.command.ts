import { loadManifest } from '@portcullis/manifest';
import { issueCertificates } from '../certs';
import { keepRenewing } from '../renewer';
import { certificateTimeline } from '../timeline';
import { UsageError, untilStopped, wholeNumber, type Command } from './command';

export const certs: Command = {
  name: 'certs',
  summary: 'issue missing or due certificates; --watch keeps renewing them',
  synopsis: '[name...] [--force] [--watch <seconds>]',
  help: `Issues the certificates that are missing or due (all workloads, or those named) and keeps the rest.
  --force              reissue even certificates that are still good
  --watch <seconds>    then keep doing so every <seconds>: the renewer (compose runs it with 60)`,
  positionals: true,
  options: { force: { type: 'boolean' }, watch: { type: 'string' } },
  async run(input) {
    const { location, print, positionals: names } = input;
    const manifest = loadManifest(location.manifestFile);
    const unknown = names.filter((n) => !manifest.services.has(n) && !manifest.clients.has(n));
    if (unknown.length > 0) throw new UsageError(`${unknown.join(', ')}: not a service or client in ${manifest.file}`);
    await issueCertificates(manifest, location.certsDir, { force: input.values.force === true, ...(names.length ? { only: names } : {}) }, print);
    if (input.values.watch === undefined) return 0;
    const stop = keepRenewing(manifest, location.certsDir, wholeNumber(input, 'watch', 60) * 1_000, (line, isError) =>
      (isError ? process.stderr : process.stdout).write(`${line}\n`),
    );
    await untilStopped();
    stop();
    return 0;
  },
};

export const certsStatus: Command = {
  name: 'certs status',
  summary: "every certificate's expiry and renewal time, soonest first",
  synopsis: '',
  help: "Every certificate's expiry and renewal time, soonest first.",
  async run({ location, print }) {
    print(certificateTimeline(loadManifest(location.manifestFile), location.certsDir));
    return 0;
  },
};
