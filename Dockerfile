# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# git for the agent's work; procps and util-linux (setpriv) for process supervision; bubblewrap
# sandboxes every agent process (AGENT_ISOLATION, see the README's Security section).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates procps util-linux bubblewrap \
 && rm -rf /var/lib/apt/lists/*
# Claude Code refuses bypassPermissions as root, and an agent should not run as root anyway.
RUN useradd --create-home --uid 10001 app \
 && mkdir -p /workspace /data \
 && chown app:app /workspace /data
WORKDIR /app
COPY --from=build --chown=app:app /app/node_modules ./node_modules
COPY --from=build --chown=app:app /app/dist ./dist
COPY --chown=app:app package.json ./
USER app
ENV NODE_ENV=production \
    SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8000 \
    WORKSPACE_ROOT=/workspace \
    DATA_DIR=/data
VOLUME ["/workspace", "/data"]
EXPOSE 8000 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.SERVER_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Same entrypoint as `npm start` (which builds first); the image is already built.
CMD ["node", "dist/src/main.js"]
