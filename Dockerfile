# syntax=docker/dockerfile:1
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
# git for the agent's work; procps and util-linux (setpriv) for process supervision; bubblewrap
# sandboxes every agent process (AGENT_ISOLATION, see docs/security.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates procps util-linux bubblewrap socat \
 && rm -rf /var/lib/apt/lists/*
# Claude Code refuses bypassPermissions as root, and an agent should not run as root anyway.
# The server's user owns only /workspace and /data; it has no home of its own to write to.
RUN useradd --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
 && mkdir -p /workspace /data \
 && chown app:app /workspace /data
WORKDIR /app
# Owned by root: read-only for the server's user. test/smoke/container-recipe.test.ts runs this
# same recipe without Docker (production dependencies, unprivileged uid, read-only /app).
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/ui/public ./ui/public
# The root package's `./client` export resolves here.
COPY --from=build /app/packages/client/package.json ./packages/client/package.json
COPY --from=build /app/packages/client/dist ./packages/client/dist
COPY package.json ./
USER app
ENV NODE_ENV=production \
    HOME=/nonexistent \
    SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8000 \
    WORKSPACE_ROOT=/workspace \
    DATA_DIR=/data
VOLUME ["/workspace", "/data"]
EXPOSE 8000 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SERVER_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# The package's `bin` (npx claude-code-server): the same server as `npm start`, which builds first.
CMD ["node", "dist/src/cli/server-bin.js"]
