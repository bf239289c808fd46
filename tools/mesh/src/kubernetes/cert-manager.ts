import type { Manifest } from '@portcullis/manifest';
import { leafNames, RENEW_AT_FRACTION } from '@portcullis/pki';
import { kustomization } from './base';
import { goDuration } from './durations';
import { identitySecretName, kubernetesMesh, podLabels } from './environment';
import type { GeneratedFile } from './objects';

/** The CA Issuer, from a Secret the operator makes of the mesh's intermediate (certs/ca). */
export const CA_ISSUER = 'portcullis-ca';
/** trust-manager's Bundle, and the ConfigMap it writes into the namespace: the roots every workload trusts. */
export const TRUST_BUNDLE = 'portcullis-trust';
/** The deny list, kept by the operator (`mesh revoke` writes certs/ca/revoked.txt): optional, no ConfigMap means nothing revoked. */
export const REVOKED_CONFIGMAP = 'portcullis-revoked';
/** The Secret in trust-manager's namespace that holds the roots (certs/ca/bundle.crt), the Bundle's source. */
export const ROOTS_SECRET = 'portcullis-roots';

const OVERLAY = 'overlays/cert-manager';

/**
 * cert-manager issues every service's certificate from the mesh's own
 * intermediate; trust-manager distributes the roots. Each pod then mounts one
 * projected volume: tls.crt and tls.key from its Certificate's Secret, ca.crt
 * from the Bundle's ConfigMap, revoked.txt from the deny list, all swapped by
 * the kubelet behind one `..data` link, which is what the trust library watches.
 * The ca.crt cert-manager writes into each Secret is left out on purpose: it is
 * the issuer's CA at issuance time, so it cannot carry two roots through a CA
 * rotation (cert-manager#4344); trust-manager can.
 */
export function certManagerFiles(manifest: Manifest): GeneratedFile[] {
  const mesh = kubernetesMesh(manifest);
  const { namespace } = mesh;
  const lifetime = manifest.certificates.leafLifetimeMs;
  const files: GeneratedFile[] = [
    {
      path: `${OVERLAY}/issuer.yaml`,
      about: 'the CA Issuer: the mesh intermediate, from a Secret the operator creates (see the README, "On Kubernetes")',
      documents: [
        {
          object: { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: CA_ISSUER, namespace }, spec: { ca: { secretName: CA_ISSUER } } },
          comments: [
            {
              path: ['spec', 'ca'],
              text: ` kubectl -n ${namespace} create secret tls ${CA_ISSUER} --cert=certs/ca/intermediate.crt --key=certs/ca/intermediate.key`,
            },
          ],
        },
      ],
    },
    {
      path: `${OVERLAY}/certificates.yaml`,
      about: "one Certificate per service: its SPIFFE ID, the DNS names peers dial, mesh.yaml's leaf lifetime",
      documents: mesh.services.map(({ service }) => {
        const names = leafNames(manifest, service);
        return {
          object: {
            apiVersion: 'cert-manager.io/v1',
            kind: 'Certificate',
            metadata: { name: service.name, namespace },
            spec: {
              secretName: identitySecretName(service.name),
              secretTemplate: { labels: podLabels(service.name) },
              commonName: service.name,
              uris: [names.id],
              dnsNames: [...names.dnsNames],
              duration: goDuration(lifetime),
              renewBefore: goDuration(Math.round(lifetime * (1 - RENEW_AT_FRACTION))),
              privateKey: { algorithm: 'RSA', size: 2048, encoding: 'PKCS8', rotationPolicy: 'Always' },
              usages: ['digital signature', 'server auth', 'client auth'],
              issuerRef: { name: CA_ISSUER, kind: 'Issuer', group: 'cert-manager.io' },
            },
          },
          comments: [
            { path: ['spec', 'duration'], text: ' certificates.leafLifetime; renewed at 2/3 of it, as the mesh renewer does (libs/pki/src/renewal.ts).' },
            {
              path: ['spec', 'usages'],
              text: ' An X509-SVID: digitalSignature, no keyCertSign, cA=false, exactly one URI SAN (libs/trust/src/svid.ts).\n No key encipherment: TLS 1.3 and the ECDHE suites of TLS 1.2 never encrypt with the RSA key.',
            },
          ],
        };
      }),
    },
    {
      path: `${OVERLAY}/trust-bundle.yaml`,
      about: "the roots, from a Secret in trust-manager's namespace, into a ConfigMap in the mesh namespace",
      documents: [
        {
          object: {
            apiVersion: 'trust.cert-manager.io/v1alpha1',
            kind: 'Bundle',
            metadata: { name: TRUST_BUNDLE },
            spec: {
              sources: [{ secret: { name: ROOTS_SECRET, key: 'ca.crt' } }],
              target: { configMap: { key: 'ca.crt' }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
            },
          },
          comments: [
            {
              path: ['spec', 'sources'],
              text: ` kubectl -n cert-manager create secret generic ${ROOTS_SECRET} --from-file=ca.crt=certs/ca/bundle.crt\n (the trust namespace of trust-manager; during a CA rotation bundle.crt holds both roots)`,
            },
          ],
        },
      ],
    },
    {
      path: `${OVERLAY}/identity-volumes.yaml`,
      about: 'each Deployment mounts its Secret, the trust bundle and the deny list as one projected volume',
      documents: mesh.services.map(({ service }) => ({
        object: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: service.name, namespace },
          spec: {
            template: {
              spec: {
                volumes: [
                  {
                    name: 'identity',
                    projected: {
                      defaultMode: 0o440,
                      sources: [
                        {
                          secret: {
                            name: identitySecretName(service.name),
                            items: [
                              { key: 'tls.crt', path: 'tls.crt' },
                              { key: 'tls.key', path: 'tls.key' },
                            ],
                          },
                        },
                        { configMap: { name: TRUST_BUNDLE, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                        { configMap: { name: REVOKED_CONFIGMAP, optional: true, items: [{ key: 'revoked.txt', path: 'revoked.txt' }] } },
                      ],
                    },
                  },
                ],
              },
            },
          },
        },
      })),
    },
  ];
  return [
    ...files,
    kustomization(
      `${OVERLAY}/kustomization.yaml`,
      ['../../base', ...files.filter((f) => !f.path.endsWith('identity-volumes.yaml')).map((f) => f.path.slice(OVERLAY.length + 1))],
      [{ path: 'identity-volumes.yaml' }],
    ),
  ];
}
