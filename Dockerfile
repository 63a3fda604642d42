# The Recipe Finder's Temporal worker. Built by docker-compose.yml's `worker`
# service; settings (Temporal address, OpenAI key, worker limits, ...) come from
# the environment at run time, never from the image.

# Build stage: compiles the TypeScript and prebuilds the workflow bundle, so that
# a started worker neither transpiles nor bundles before it polls.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm run build:workflows

# Run stage: production dependencies only, the compiled code and the bundle. The
# sources stay beside them: the worker checks that the bundle matches them.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force
COPY . .
COPY --from=build /app/dist ./dist

# The node image's unprivileged user; the files stay owned by root, read-only to it.
USER node

# Node is the container's main process, so `docker stop` (SIGTERM) reaches the
# worker, which stops polling and lets running tasks finish before it exits.
STOPSIGNAL SIGTERM
CMD ["node", "dist/workers/recipe-worker.js"]
