/**
 * `sync secrets rotate-key|forget`: the key that encrypts the secrets the state store keeps (config
 * values connectors hand over with CONTROL messages), and the way out when it is lost.
 */
import { defineCommand } from 'citty';
import { secretKeys, withStore } from '../database.ts';
import { UserError } from '../user-error.ts';

const say = (line: string) => process.stderr.write(`${line}\n`);

export const secretsCommand = defineCommand({
  meta: { name: 'secrets', description: 'Manage the key that encrypts the secrets kept in the state store (SYNC_SECRET_KEY or $SYNC_HOME/secret.key)' },
  subCommands: {
    'rotate-key': defineCommand({
      meta: {
        name: 'rotate-key',
        description:
          'Re-encrypt every stored secret under a new key. Key file: a new key is added, everything re-encrypted, the old key removed. ' +
          'SYNC_SECRET_KEY: set it to NEW,OLD first; this re-encrypts under NEW, then keep NEW alone',
      },
      args: {
        force: { type: 'boolean', description: 'Rotate even while runs are recorded as running (one could save a secret under the old key)' },
      },
      async run({ args }) {
        const keys = await secretKeys(process.env);
        await withStore(async (store) => {
          const running = (await store.listRuns({ limit: 1000 })).filter((run) => run.status === 'running');
          if (running.length > 0 && !args.force) {
            throw new UserError(
              `runs are recorded as running (${running.map((r) => `${r.id} of ${r.pipelineId}`).join(', ')}): a run started before the ` +
                'rotation could save a secret under the old key. Wait for them to end, or pass --force if they died (sync runs list)',
            );
          }
          const ring = await keys.beginRotation();
          const result = await store.resealSecrets(ring);
          await keys.finishRotation();
          const counts = `${result.resealed} re-encrypted, ${result.encrypted} encrypted for the first time (stored in plaintext by an older version), ${result.unchanged} already under it`;
          if (keys.fromEnvironment) {
            say(`stored secrets are now under key ${ring.currentId}, the first of SYNC_SECRET_KEY: ${counts}`);
            if (ring.ids.length > 1) say('now set SYNC_SECRET_KEY to that first key alone: the others are no longer needed');
          } else {
            say(`new key ${ring.currentId} in ${keys.origin} (old keys removed): ${counts}. Back the file up: without it the stored secrets cannot be read`);
          }
        });
      },
    }),
    forget: defineCommand({
      meta: {
        name: 'forget',
        description: 'Delete the config a pipeline\'s connectors saved (CONTROL), e.g. when its key is lost; they start from the config you give them',
      },
      args: {
        pipeline: { type: 'string', description: 'Pipeline id', required: true, valueHint: 'ID' },
        role: { type: 'string', description: 'Only the source or the destination (default: both)', valueHint: 'source|destination' },
      },
      async run({ args }) {
        const role = args.role;
        if (role !== undefined && role !== 'source' && role !== 'destination') {
          throw new UserError(`--role must be source or destination (got '${role}')`);
        }
        const removed = await withStore((store) => store.forgetConfigUpdates(args.pipeline, role));
        say(`removed the saved config of ${removed} connector(s) of pipeline ${args.pipeline}`);
      },
    }),
  },
});
