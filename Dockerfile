# One image for every service of docker-compose.yml: the harness, the trigger server (with the
# Scheduler UI) and the workers. TypeScript runs through tsx, so there is no build step but the UI.
FROM node:20-bookworm-slim
WORKDIR /app
ENV HARNESS_CACHE_DIR=/app/.cache
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node bin/harness.js build-ui
CMD ["node", "bin/harness.js", "list"]
