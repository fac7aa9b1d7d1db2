# The linter as a container image, the way hadolint and gitleaks are used in CI:
#   docker build -f lint.Dockerfile -t stowaway/lint .
#   docker run --rm -v "$PWD:/src" stowaway/lint                       # lints the mounted directory
#   docker run --rm -v "$PWD:/src" stowaway/lint lint --format sarif .
# Build from the repository root (the .dockerignore there is an allowlist). The image holds the
# published `stowaway` package only: one bundle, no node_modules, no npm.

# Stage 1: build and pack the `stowaway` package, as npm would publish it.
FROM node:24-alpine AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages/lint/package.json packages/lint/
COPY packages/vault-dev/package.json packages/vault-dev/
COPY packages/sidecar/package.json packages/sidecar/
COPY packages/cli/package.json packages/cli/
# --ignore-scripts: the workspace `prepare` would build before the sources are here.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY scripts/bundle.mjs scripts/
COPY packages/lint/tsconfig.json packages/lint/
COPY packages/lint/src packages/lint/src
COPY packages/vault-dev/tsconfig.json packages/vault-dev/
COPY packages/vault-dev/src packages/vault-dev/src
COPY packages/sidecar/tsconfig.json packages/sidecar/
COPY packages/sidecar/src packages/sidecar/src
COPY packages/cli/tsconfig.json packages/cli/
COPY packages/cli/bin packages/cli/bin
COPY packages/cli/src packages/cli/src
RUN npm run build \
 && mkdir /pack \
 && npm pack --ignore-scripts --pack-destination /pack

# Stage 2: install the tarball into an empty prefix, offline: it has no dependencies.
FROM node:24-alpine AS install
COPY --from=build /pack /pack
RUN npm install -g --prefix /opt/stowaway --offline --no-audit --no-fund /pack/stowaway-*.tgz \
 && rm -rf /pack /root/.npm

# Stage 3: the runtime, without package managers. Read-only use: it only reads /src.
FROM node:24-alpine
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
COPY --from=install /opt/stowaway /opt/stowaway
ENV PATH=/opt/stowaway/bin:$PATH \
    NODE_ENV=production
# A numeric non-root user; a mounted checkout is readable by it when its files are world-readable.
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["stowaway"]
CMD ["lint", "."]
