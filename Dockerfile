# syntax=docker/dockerfile:1
# One image for every service; VIRTSIM_SERVICE picks the service at run time
# (docker-compose.yml, deploy/k8s). Build: docker build -t virtsim:0.1.0 .
# Node 22 LTS, pinned to one release (bump it deliberately; Node 20 left support in April 2026).
ARG NODE_IMAGE=node:22.23.4-bookworm-slim

# --- manifests: only package.json files and the lockfile, so `npm ci` stays cached until they change
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete \
 && find . -mindepth 1 -type d -empty -delete

# --- build: install everything, compile to dist/, then drop what only the build needs: dev dependencies,
# and TypeScript (a dependency of @nestjs/swagger for its compile-time plugin; nothing loads it at run time)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /app ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver

# --- runtime: compiled code and production dependencies, tini as PID 1, non-root.
# Kept on purpose: swagger-ui (served at /api/v1/docs) and PGlite (the image started without DATABASE_URL
# runs the whole system in one container on its embedded database).
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="virtsim" \
      org.opencontainers.image.description="Simulated compute-virtualization platform: event-sourced NestJS microservices (one image, VIRTSIM_SERVICE picks the service)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/virtsim/virtsim" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# tini reaps zombies and forwards SIGTERM to node, which then stops its services in order
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080 \
    VIRTSIM_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown 1000:1000 /data
# uid/gid 1000 is the image's `node` user; numeric so Kubernetes runAsNonRoot can verify it
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/launcher/main.js"]
