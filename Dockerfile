# Database backup service: one image, two roles.
#   API:    docker run ... <image>                      (default CMD: node dist/main.js, port 3000)
#   Worker: docker run ... <image> node dist/worker.js  (no HTTP; runs pg_dump / pg_restore / mariadb-dump)
# Both processes apply pending migrations at start-up (under an advisory lock).
#
# Build args:
#   NODE_VERSION      Node.js major used for both stages (the LTS line package.json's "engines" requires: 24).
#   PG_CLIENT_MAJORS  PostgreSQL client majors installed side by side from the PGDG apt repository.

ARG NODE_VERSION=24

# ---------------------------------------------------------------------------
# Build stage: install all dependencies, compile TypeScript, drop dev deps.
# ---------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app

# Dependencies first, so this layer is cached until the lockfile changes. web/ is an npm workspace: its
# package.json is part of the one lockfile's install.
COPY package.json package-lock.json ./
COPY web/package.json ./web/package.json
RUN npm ci --no-audit --no-fund

# The API (dist/) and the web console (web/dist/, bundled by Vite: its packages are all devDependencies).
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------
# Runtime stage: Node + database client tools, non-root.
# ---------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime

# PostgreSQL client tools come from the official PGDG apt repository
# (apt.postgresql.org), not from Debian: bookworm only ships postgresql-client-15,
# and pg_dump refuses to dump a server newer than itself. PGDG packages install
# each major side by side in /usr/lib/postgresql/<major>/bin (the default search
# path of the worker, see PG_BIN_DIRS), so the worker can use the newest pg_dump
# for dumps (it reads any older server) and a pg_restore matching the target
# server's major for restores. /usr/bin/pg_dump etc. are the postgresql-common
# wrappers and resolve to the newest installed major.
# mariadb-client (MariaDB 10.11 from Debian: mariadb-dump) and zstd come from Debian.
# tini is PID 1: it forwards SIGTERM to node and reaps orphaned child processes;
# it deliberately does not signal the whole process group (-g), so the worker
# decides itself how to stop a running dump.
ARG PG_CLIENT_MAJORS="14 15 16 17 18"
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    install -d -m 0755 /usr/share/postgresql-common/pgdg; \
    curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
    codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"; \
    echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${codename}-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list; \
    apt-get update; \
    pg_packages=""; \
    for major in $PG_CLIENT_MAJORS; do pg_packages="$pg_packages postgresql-client-$major"; done; \
    # util-linux for setpriv: the worker runs its tools with a parent-death signal (essential in bookworm; explicit).
    apt-get install -y --no-install-recommends tini zstd mariadb-client util-linux $pg_packages; \
    apt-get purge -y --auto-remove curl; \
    rm -rf /var/lib/apt/lists/*; \
    for major in $PG_CLIENT_MAJORS; do \
        "/usr/lib/postgresql/$major/bin/pg_dump" --version; \
        "/usr/lib/postgresql/$major/bin/pg_restore" --version; \
    done; \
    mariadb-dump --version; \
    zstd --version; \
    setpriv --version; \
    tini --version

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    STORAGE_DIR=/var/lib/dbbackup/backups

# Backup files live here; mount a volume on it (shared by the API, for downloads
# and deletes, and the workers). A fresh named volume inherits this ownership.
RUN install -d -o node -g node -m 0750 /var/lib/dbbackup /var/lib/dbbackup/backups

WORKDIR /app
# Application files stay root-owned (read-only for the service user).
# package.json is required at runtime: it declares "type": "module".
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The console the API serves at / (dist/core/http/console-static.js looks for ../../../web/dist).
COPY --from=build /app/web/dist ./web/dist

USER node
EXPOSE 3000

# No HEALTHCHECK here: the same image also runs the worker, which has no HTTP
# server. The API's check (GET /health/live) is declared in docker-compose.yml.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
