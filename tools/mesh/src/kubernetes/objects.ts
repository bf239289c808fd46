/** A Kubernetes object as written to YAML: plain data, typed only as far as the generator needs. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** A comment written above the YAML node at `path` (keys and list indexes), to say why a value is what it is. */
export interface NodeComment {
  readonly path: readonly (string | number)[];
  readonly text: string;
}

/** A kustomization.yaml: what kustomize builds from the folder. */
export interface Kustomization {
  readonly apiVersion: 'kustomize.config.k8s.io/v1beta1';
  readonly kind: 'Kustomization';
  readonly resources: readonly string[];
  readonly patches?: readonly { readonly path: string; readonly target?: Record<string, string> }[];
}

/** One object of a generated file, with the comments that explain it. */
export interface Documented {
  readonly object: KubeObject | Kustomization;
  readonly comments?: readonly NodeComment[];
}

/** One generated file: its path under deploy/kubernetes, what it is for, and its objects (or, for kustomization.yaml, one plain map). */
export interface GeneratedFile {
  readonly path: string;
  readonly about: string;
  readonly documents: readonly Documented[];
}
