# mediagate: one gateway instance. Build: docker build -t mediagate .  (deploy/compose.yaml runs two)
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    MEDIAGATE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The data dir holds the webhook secret and, without object storage, the media; owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# SIGTERM reaches node directly (exec form): the gateway drains and exits.
CMD ["node", "dist/main.js"]
