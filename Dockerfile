# syntax=docker/dockerfile:1
#
# Paddock: the API and the built web app in one image, serving everything on one port.
#
#   docker build -t paddock .
#   docker run -p 3000:3000 -v paddock-data:/var/lib/paddock paddock     # embedded database in the volume
#
# With Postgres, see docker-compose.yml and docs/self-hosting.md. The image keeps the monorepo layout under /app
# (apps/api/dist, apps/web/dist, packages/*/dist, prisma/migrations), because the API finds the web app and the
# migrations relative to its own files.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
# workspace: pnpm and the package manifests, shared by the build and the production install.
FROM ${NODE_IMAGE} AS workspace
# CI=true: pnpm never waits for an answer on a terminal.
ENV CI=true
RUN npm install -g pnpm@10.34.8 && npm cache clean --force
WORKDIR /app
# Manifests only, so the dependency layers are reused until one of them changes. Every workspace package
# (pnpm-workspace.yaml) needs its package.json here, or the frozen install no longer matches the lockfile.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY apps/agent/package.json apps/agent/
COPY apps/api/package.json apps/api/
COPY apps/web/package.json apps/web/
COPY packages/contracts/package.json packages/contracts/
COPY packages/gitlab-sim/package.json packages/gitlab-sim/
COPY packages/protocol/package.json packages/protocol/
COPY packages/runner-config/package.json packages/runner-config/
COPY e2e/package.json e2e/
COPY bench/package.json bench/

# ---------------------------------------------------------------------------------------------------------------
# build: every dependency, then turbo builds the contracts, the Prisma client, the API and the web app.
FROM workspace AS build
# pnpm runs no dependency's install script except those listed in pnpm-workspace.yaml, so Prisma's engine
# download never happens (none of its binaries is needed).
RUN --mount=type=cache,id=paddock-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --store-dir /pnpm/store
COPY . .
ENV TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1
RUN pnpm build

# ---------------------------------------------------------------------------------------------------------------
# prod-deps: a clean install of the API's production dependencies only (and of the workspace packages it uses).
FROM workspace AS prod-deps
RUN --mount=type=cache,id=paddock-pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --prod --filter "@paddock/api..." --store-dir /pnpm/store

# ---------------------------------------------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG PADDOCK_VERSION=0.1.0
LABEL org.opencontainers.image.title="Paddock" \
      org.opencontainers.image.description="Web control plane for fleets of GitLab Runner hosts" \
      org.opencontainers.image.version="${PADDOCK_VERSION}" \
      org.opencontainers.image.base.name="docker.io/library/${NODE_IMAGE}"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    PADDOCK_DATA_DIR=/var/lib/paddock
WORKDIR /app
# Manifests and node_modules (pnpm's symlinks are relative, so they stay valid under the same /app).
COPY --from=prod-deps /app ./
COPY --from=build /app/packages/contracts/dist packages/contracts/dist
# The GitLab and gitlab-runner simulators run the demo fleet (only with no GitLab connected, PADDOCK_DEMO=auto)
# and the demo hosts of docker-compose.yml's `demo` profile.
COPY --from=build /app/packages/gitlab-sim/dist packages/gitlab-sim/dist
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/runner-config/dist packages/runner-config/dist
COPY --from=build /app/apps/api/dist apps/api/dist
COPY --from=build /app/apps/web/dist apps/web/dist
COPY --from=build /app/apps/agent/dist apps/agent/dist
COPY --from=build /app/prisma prisma
# The data dir holds the embedded database and its generated key when DATABASE_URL is not set. A new named
# volume takes this directory's owner, so the non-root user can write to it.
RUN mkdir -p /var/lib/paddock && chown node:node /var/lib/paddock
VOLUME ["/var/lib/paddock"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself; the server finishes in-flight requests and exits.
CMD ["node", "apps/api/dist/server.js"]
