# One Dockerfile, one image per workspace package:
#   docker build --build-arg SERVICE=orders -t portcullis/orders .
#   docker build --build-arg SERVICE=mesh   -t portcullis/mesh .     (the `mesh` command: issues certificates)
# docker compose builds all of them (see docker-compose.yml).
#
# NODE_IMAGE: machines without registry access substitute a local Node 26 image
# (tools/containers/base-image.sh builds one from Debian's archive).
# Behind an inspecting proxy, hand its CA bundle to the install steps as a secret:
#   --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt   (needs BuildKit)
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi; \
    npm install --global --no-audit --no-fund pnpm@12
# Dependencies first, from the lockfile alone, so that editing code does not refetch them.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi; \
    pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile && pnpm build
ARG SERVICE
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<name>' >&2; exit 1; }; \
    pnpm --filter "@portcullis/${SERVICE}" --prod deploy /out \
    && cp mesh.yaml /out/mesh.yaml \
    # A mount point, owned by the service user, for each workload's certificate volume (names from the manifest).
    && node tools/mesh/dist/cli.js workloads | sed 's#^#/certs/#' | xargs mkdir -p /certs/ca \
    # The mount point of the service's data volume (its database), owned by the service user.
    && mkdir -p /data

FROM ${NODE_IMAGE}
ARG SERVICE
WORKDIR /app
COPY --from=build /out /app
COPY --from=build --chown=10001:10001 /certs /certs
COPY --from=build --chown=10001:10001 /data /data
ENV NODE_ENV=production \
    PORTCULLIS_DATA=/data \
    PORTCULLIS_SERVICE=${SERVICE} \
    PORTCULLIS_MANIFEST=/app/mesh.yaml \
    PORTCULLIS_CERTS=/certs \
    PORTCULLIS_ENV=compose
# Not root, and no home or shell of its own: the service only reads its certificate and listens.
USER 10001:10001
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
    CMD ["node", "node_modules/@portcullis/trust/dist/health-probe.js"]
# The Node flags are SERVICE_NODE_FLAGS (tools/mesh/src/service-runtime.ts); a test keeps them equal.
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
