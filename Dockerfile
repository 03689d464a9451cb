# syntax=docker/dockerfile:1
# dvc-index: one image for the worker (`start`), the web face (`serve`), the replay portal
# and the operator commands. Build with dev dependencies, run with production ones only.

########## build: compile TypeScript to dist/ ##########
FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm_config_audit=false \
    npm_config_fund=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs
RUN npm run build

########## runtime ##########
FROM node:24-bookworm-slim AS runtime
# Debian's Chromium is the browser the tests run (never a Playwright download); the Noto and
# DejaVu fonts render Vietnamese diacritics in screenshots; xvfb/xauth for the optional headed
# mode (PORTAL_HEADLESS=false); tini reaps Chromium's children; curl for the health check.
# The downloaded .deb files go too (~290 MB): not every base image cleans apt's cache itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium fonts-noto-core fonts-dejavu-core \
      xvfb xauth tini curl ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# A heap limit keeps the worker's memory flat over months (README, Capacity: a year of one
# province grew +37 % with Node's default heap, +1.5 % with 128 MiB); 256 leaves room for the
# office's report files and several provinces. Override NODE_OPTIONS in .env if needed.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=256 \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    CHROMIUM_PATH=/usr/bin/chromium \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    MIGRATE_ON_START=true \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY migrations ./migrations
COPY scenarios ./scenarios
COPY src/http/public ./src/http/public
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
# The compiled code finds its files relative to itself (dist/src/store → ../../migrations):
# point those paths at the shipped copies.
RUN ln -s ../migrations dist/migrations \
 && ln -s ../scenarios dist/scenarios \
 && mkdir -p dist/src/http \
 && ln -s ../../../src/http/public dist/src/http/public \
 && ln -s /app/bin/dvc-index.js /usr/local/bin/dvc-index \
 && chmod +x /app/bin/dvc-index.js /usr/local/bin/docker-entrypoint.sh \
 && groupadd --system dvc \
 && useradd --system --gid dvc --create-home --home-dir /home/dvc dvc \
 && mkdir -p /app/outbox \
 && chown dvc:dvc /app/outbox

USER dvc
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${HTTP_PORT}/healthz" || exit 1

# tini -s: still reaps children when compose's `init: true` already provides PID 1.
ENTRYPOINT ["/usr/bin/tini", "-s", "--", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["start"]
