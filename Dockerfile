# One image for every role; the container's command chooses the role:
#   node dist/meta/main.js | node dist/shard/main.js | node dist/proxy/main.js
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY common common
COPY meta meta
COPY shard shard
COPY proxy proxy
COPY scripts scripts
COPY test test
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
USER node
CMD ["node", "dist/proxy/main.js"]
