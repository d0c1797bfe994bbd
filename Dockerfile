# syntax=docker/dockerfile:1
# One image build, two targets: `server` and `workers`. They share the compiled @rallyboard/core.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY server/package.json server/
COPY workers/package.json workers/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/core packages/core
COPY server server
COPY workers workers
COPY scripts/web scripts/web
COPY web web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/core/lua packages/core/lua
COPY --from=build /app/server/package.json server/
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/workers/package.json workers/
COPY --from=build /app/workers/dist workers/dist
COPY --from=build /app/web/dist web/dist
USER node

FROM runtime AS server
EXPOSE 3000
CMD ["node", "server/dist/main.js"]

FROM runtime AS workers
CMD ["node", "workers/dist/main.js"]
