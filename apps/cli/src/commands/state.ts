import { defineCommand } from 'citty';
import { withStore } from '../database.ts';

const pipeline = { type: 'string', description: 'Pipeline id (default for stripe → postgres: stripe-postgres)', required: true, valueHint: 'ID' } as const;

export const stateCommand = defineCommand({
  meta: { name: 'state', description: 'Show or reset the committed state of a pipeline' },
  subCommands: {
    show: defineCommand({
      meta: { name: 'show', description: 'Print the last committed STATE of every stream, as JSON' },
      args: { pipeline },
      async run({ args }) {
        const states = await withStore((store) => store.loadState(args.pipeline));
        process.stdout.write(`${JSON.stringify(states, null, 2)}\n`);
      },
    }),
    reset: defineCommand({
      meta: { name: 'reset', description: 'Forget committed state, so the next run reads from the start' },
      args: { pipeline, streams: { type: 'string', description: 'Only these streams (comma-separated)', valueHint: 'a,b' } },
      async run({ args }) {
        const streams = args.streams?.split(',').map((s) => s.trim()).filter(Boolean);
        const removed = await withStore((store) => store.resetState(args.pipeline, streams));
        process.stderr.write(`removed the state of ${removed} stream(s) of pipeline ${args.pipeline}\n`);
      },
    }),
  },
});
