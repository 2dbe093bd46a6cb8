# syntax=docker/dockerfile:1
# The team deployment's container image: built in one stage (TypeScript to
# dist/, then the dev dependencies pruned), run in a second from the same
# small Debian-slim Node 20 base as an unprivileged user. The config comes
# from a mounted file (/etc/mcp-auth-proxy/config.json, e.g. a ConfigMap);
# secrets from the environment (env:NAME) or mounted files (file:/path, e.g. a
# Kubernetes Secret volume with defaultMode 0440). See "Deploy for a team" in
# the README.

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    XDG_STATE_HOME=/var/lib/mcp-auth-proxy \
    XDG_CONFIG_HOME=/etc \
    MCP_LISTEN_ADDR=0.0.0.0:8787
WORKDIR /app
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/bin ./bin
COPY --from=build /build/dist ./dist
# The state directory (client token, key usage, audit log) belongs to the runtime user alone.
RUN mkdir -p /var/lib/mcp-auth-proxy /etc/mcp-auth-proxy \
 && chown 1000:1000 /var/lib/mcp-auth-proxy \
 && chmod 0700 /var/lib/mcp-auth-proxy
# The node image's unprivileged user, by number, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8787
VOLUME ["/var/lib/mcp-auth-proxy"]
# /healthz answers any Host in team mode; the image has no curl, Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8787/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/mcp-auth-proxy.js"]
CMD ["start", "--config", "/etc/mcp-auth-proxy/config.json"]
