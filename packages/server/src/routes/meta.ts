/** Health, the connectors the server can run, and the audit log. */
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import type { ConnectorRole } from '@sync/engine';
import { connectorCommand } from '../connectors.ts';
import type { ServerContext } from '../context.ts';
import { AuditEntry, Connector, list } from '../schemas.ts';
import { BEARER, json, problems, routes } from './common.ts';

/** `source-<name>` and `destination-<name>` executables on the server's PATH, first of each name. */
async function onPath(path: string | undefined): Promise<{ role: ConnectorRole; name: string }[]> {
  const found = new Map<string, { role: ConnectorRole; name: string }>();
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files) {
      const m = /^(source|destination)-([a-z0-9][a-z0-9._-]{0,62})$/.exec(file);
      if (!m || found.has(file)) continue;
      if (await access(join(dir, file), constants.X_OK).then(() => true, () => false)) found.set(file, { role: m[1] as ConnectorRole, name: m[2]! });
    }
  }
  return [...found.values()];
}

export function metaRoutes(context: ServerContext) {
  const app = routes();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['meta'],
      summary: 'Liveness',
      description: 'No token needed.',
      responses: { 200: json(z.object({ status: z.literal('ok') }).openapi('Health'), 'The server is up.') },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors',
      tags: ['meta'],
      summary: 'Connectors',
      description: 'The built-in connectors and the `source-<name>`/`destination-<name>` executables on the server\'s PATH, with their specs.',
      security: BEARER,
      responses: { 200: json(list(Connector, 'ConnectorList'), 'The connectors.'), ...problems(401) },
    }),
    async (c) => {
      const entries: { role: ConnectorRole; name: string; builtin: boolean }[] = [];
      for (const role of ['source', 'destination'] as const) for (const name of Object.keys(context.directory.builtins[role])) entries.push({ role, name, builtin: true });
      for (const found of await onPath(context.connectorEnv.PATH)) {
        if (!entries.some((e) => e.role === found.role && e.name === found.name)) entries.push({ ...found, builtin: false });
      }
      const data = await Promise.all(
        entries.map(async ({ role, name, builtin }) => {
          const { spec, error } = await context.specs.trySpec(connectorCommand(context.directory, role, name));
          return { role, name, builtin, spec: (spec as Record<string, unknown> | undefined) ?? null, ...(error ? { error } : {}) };
        }),
      );
      return c.json({ data }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit',
      tags: ['meta'],
      summary: 'Audit log',
      description: 'Every change made through the API, newest first: who (which token), what, when.',
      security: BEARER,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), before_id: z.coerce.number().int().optional().describe('Entries older than this id (paging).') }) },
      responses: { 200: json(list(AuditEntry, 'AuditList'), 'The entries.'), ...problems(401) },
    }),
    async (c) => {
      const { limit, before_id: beforeId } = c.req.valid('query');
      const entries = await context.service.listAudit({ limit, ...(beforeId !== undefined ? { beforeId } : {}) });
      return c.json(
        { data: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, target_type: e.targetType, target_id: e.targetId, details: e.details })) },
        200,
      );
    },
  );

  return app;
}
