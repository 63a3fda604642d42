# The Recipe Finder's Temporal worker. Built by docker-compose.yml's `worker`
# service; settings (Temporal address, OpenAI key, ...) come from the
# environment at run time, never from the image.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so source edits do not reinstall them. A full `npm ci`
# keeps the image identical to what the tests run against.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
    && npm cache clean --force

COPY . .

# The node image's unprivileged user; the source stays owned by root, read-only to it.
USER node

# SIGTERM (docker stop) drains the worker before it exits.
CMD ["npx", "tsx", "workers/recipe-worker.ts"]
