# Vigil. The server runs its TypeScript sources directly on Node 24 (type stripping); only the Vue
# client is built. NODE_IMAGE may name any Node 24 image with npm (the test machines' own import).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- client: install everything the build needs, then vite build into client/dist
FROM ${NODE_IMAGE} AS client
WORKDIR /app
# The workspace manifests first, so the npm ci layer is reused until a dependency changes.
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY sample-stack/users-app/backend/package.json sample-stack/users-app/backend/
COPY sample-stack/users-app/frontend/package.json sample-stack/users-app/frontend/
RUN ["npm", "ci", "--workspace", "client", "--no-audit", "--no-fund"]
COPY tsconfig.json ./
# The client imports the wire types from server/src/contract.
COPY server/src server/src
COPY client client
RUN ["npm", "run", "build", "--workspace", "client"]

# --- runtime: the server's production dependencies, its sources and the built client
FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=8080 DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY client/package.json client/
COPY sample-stack/users-app/backend/package.json sample-stack/users-app/backend/
COPY sample-stack/users-app/frontend/package.json sample-stack/users-app/frontend/
# One step, so npm's download cache never lands in a layer.
RUN npm ci --omit=dev --workspace server --no-audit --no-fund && npm cache clean --force
COPY server/src server/src
COPY --from=client /app/client/dist client/dist
# The embedded store and other local state: the only place the node user writes.
RUN ["node", "-e", "require('node:fs').mkdirSync('/app/data'); require('node:fs').chownSync('/app/data', 1000, 1000)"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server/src/main.ts"]
