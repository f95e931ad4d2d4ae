# syntax=docker/dockerfile:1
# The worker image: `docker build -t durable-orders-worker .`, run by docker-compose.yml's `worker`.
# Runs every service worker by default; pass `--service NAME` (repeatable) to run fewer.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so a source-only change reuses this layer. --ignore-scripts: the
# `prepare` script would build before the sources are copied, and no dependency needs its
# install script for tsc (native modules ship as platform packages).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Read at run time: the SQL migrations (src/db/migrate.ts looks beside package.json). The
# `orders` worker bundles dist/workflows when it starts, with prod dependencies only.
COPY --from=build --chown=node:node /app/migrations ./migrations
USER node
CMD ["node", "dist/worker.js"]
