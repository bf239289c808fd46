/** One thing wrong with the manifest, located at a line of the file. */
export interface ManifestProblem {
  readonly line: number | undefined;
  /** Where in the document, e.g. `services.gateway.calls[1]`. */
  readonly where: string;
  /** What is wrong and how to fix it, as one sentence. */
  readonly message: string;
}

/**
 * Thrown when mesh.yaml cannot be used. Its message is one line per problem,
 * each of the form `mesh.yaml:12: services.gateway.calls[0]: ...`, so an editor
 * or a terminal can jump straight to the line to fix.
 */
/** Stable codes (like fastify's `FST_ERR_*`): callers and tests match on these, never on the sentences. */
export type ManifestErrorCode =
  | 'PORTCULLIS_ERR_MANIFEST_MISSING' // the file does not exist or cannot be read
  | 'PORTCULLIS_ERR_MANIFEST_INVALID' // not YAML, not the schema, or references that do not hold
  | 'PORTCULLIS_ERR_MANIFEST_NO_SERVICE' // a process asked for a service the manifest does not have
  | 'PORTCULLIS_ERR_MANIFEST_NO_ADDRESS'; // a service has no address in the environment asked for

export class ManifestError extends Error {
  override readonly name = 'ManifestError';

  constructor(
    readonly file: string,
    readonly problems: readonly ManifestProblem[],
    readonly code: ManifestErrorCode = 'PORTCULLIS_ERR_MANIFEST_INVALID',
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }
}

function formatProblem(file: string, problem: ManifestProblem): string {
  const location = problem.line === undefined ? file : `${file}:${problem.line}`;
  const where = problem.where ? ` ${problem.where}:` : '';
  return `${location}:${where} ${problem.message}`;
}
