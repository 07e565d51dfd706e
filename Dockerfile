# One image for every app; docker-compose.yml picks the entry point (the default runs them all: `zan`, ZAN_ROLES).
# Node 24, the active LTS (Node 20 reached its end of life on 2026-04-30); the code runs on 20 and up
# (package.json "engines"), and on 24 the apps spend 10-40% less CPU per request (bench/README.md, session 12).
FROM node:24-bookworm-slim AS build
WORKDIR /zan
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig*.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Zan binds to loopback by default: inside a container, listen where published ports reach.
ENV HOST=0.0.0.0
WORKDIR /zan
COPY --from=build /zan/node_modules ./node_modules
COPY --from=build /zan/dist ./dist
COPY package.json ./
# The default command keeps its events and generated secrets in ./data (ZAN_DATA_DIR): the user it runs as owns it.
RUN mkdir data && chown node:node data
USER node
EXPOSE 3000
# A young generation of 32 MB semi-spaces: fewer scavenges per request (bench/README.md, session 11).
CMD ["node", "--max-semi-space-size=32", "dist/apps/zan/src/main.js"]
