# The Recipe Finder's Temporal worker. Built by docker-compose.yml's `worker`
# service; settings (Temporal address, OpenAI key, worker limits, ...) come from
# the environment at run time, never from the image.
FROM node:20-bookworm-slim

WORKDIR /app

# Production dependencies only, first, so that source edits do not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

COPY . .

# The workflow bundle is built here, once, so that a started worker polls at once
# instead of bundling (the worker checks that it matches the sources).
RUN node --import tsx scripts/build-workflows.ts

# The node image's unprivileged user; the source stays owned by root, read-only to it.
USER node

# Node is the container's main process, so `docker stop` (SIGTERM) reaches the
# worker, which stops polling and lets running tasks finish before it exits.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "workers/recipe-worker.ts"]
