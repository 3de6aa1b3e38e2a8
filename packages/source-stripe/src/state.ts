/**
 * The per-stream state of the Stripe source: three independent parts, so that the backfill and the
 * event cursor never overwrite each other.
 *
 * ```
 * { cursor?, cursor_ids?,    // list passes: every object created before `cursor` (unix s) was emitted,
 *                            //   and those of the `cursor` second listed in cursor_ids
 *   pass?: {                 // a list pass under way (a backfill, or a read of what is new by `created`)
 *     high_water?, high_water_ids?,      // newest second the pass has emitted; the next `cursor`
 *     todo?: [{ gte, lte?, lte_ids?, gte_ids?, after? }],  // created ranges still to read (inclusive,
 *                            //   unix s); lte_ids were already emitted at `lte`, gte_ids at `gte`;
 *                            //   after: the range's last object, where its next page starts
 *     after? },              // lists without a created filter: the last object emitted; with `todo`:
 *                            //   the server ignored the created filter, and the pass reads the whole
 *                            //   list after this object, emitting what falls in `todo`
 *   events?: { created, id?, checked } }  // event cursor (streams kept current by events):
 *                            //   the newest event emitted, and when the walk last reached the end
 * ```
 *
 * Everything outside `todo` within the pass's range has been emitted: a range leaves `todo` (or
 * shrinks) only after the records it covered were emitted, so a STATE never claims a record not
 * yet emitted, and a resumed read reads exactly the `todo` ranges again. Ranges read in parallel
 * complete in any order; `todo` holds whatever is left, contiguous or not.
 *
 * The id lists make boundary seconds exact (objects sharing a second with a range boundary). They
 * are capped at MAX_BOUNDARY_IDS; a range also keeps `after`, its last object, so a resume goes on
 * right after it even in a second of thousands. Only when that object was deleted meanwhile does a
 * resume re-emit objects of a second past the cap, which the destination deduplicates by id
 * (delivery is at least once). Nothing is ever skipped that was not emitted.
 */
import * as z from 'zod';
import { ConfigError } from '@sync/connector-kit';

/** Most ids remembered per boundary second. */
export const MAX_BOUNDARY_IDS = 100;

const Ids = z.array(z.string()).max(MAX_BOUNDARY_IDS);
const Seconds = z.number().int();

export const TodoRange = z.object({
  gte: Seconds.describe('Lower bound of the range still to read, unix seconds, inclusive.'),
  lte: Seconds.optional().describe('Upper bound, unix seconds, inclusive; absent for a range not yet started at the top of the list.'),
  lte_ids: Ids.optional().describe('Objects of the `lte` second already emitted.'),
  gte_ids: Ids.optional().describe('Objects of the `gte` second already emitted (by the pass before).'),
  after: z.string().optional().describe('The last object this range emitted (at `lte`): its next page starts after it, so a crowded second resumes exactly.'),
});
export type TodoRange = z.infer<typeof TodoRange>;

export const PassState = z.object({
  high_water: Seconds.optional().describe('Newest second the pass has emitted; becomes `cursor` when it completes.'),
  high_water_ids: Ids.optional().describe('Objects of the high-water second the pass has emitted.'),
  todo: z.array(TodoRange).optional().describe('Created ranges still to read.'),
  after: z
    .string()
    .optional()
    .describe('Lists without a created filter, or a pass read without it because the server ignored it (then with `todo`): the id of the last object read.'),
});
export type PassState = z.infer<typeof PassState>;

export const EventCursor = z.object({
  created: Seconds.describe('Unix seconds of the newest event emitted, or of the backfill start when none was.'),
  id: z.string().optional().describe('Id of that event; absent when no event was emitted yet.'),
  checked: Seconds.describe('Unix seconds when the event walk last reached the newest event; older than 30 days means events were lost to retention.'),
});
export type EventCursor = z.infer<typeof EventCursor>;

/** The legacy in-progress shape (one sequential pass), still accepted on input. */
const LegacyBackfill = z.object({
  high_water: Seconds,
  high_water_ids: Ids,
  created_lte: Seconds,
  created_lte_ids: Ids,
});

export const StripeStreamState = z.object({
  cursor: Seconds.optional().describe('Unix seconds: every object created before it has been emitted.'),
  cursor_ids: Ids.optional().describe('Objects created in the cursor second that have been emitted.'),
  pass: PassState.optional().describe('Present while a list pass is under way.'),
  events: EventCursor.optional().describe('The event cursor of a stream kept current by /v1/events.'),
  backfill: LegacyBackfill.optional().describe('Legacy: the in-progress state of versions before parallel reads; read as `pass`.'),
});
export type StripeStreamState = z.infer<typeof StripeStreamState>;

/**
 * Parses a saved stream state, turning the legacy `backfill` shape into a `pass`.
 * @throws ConfigError when the state is not one this source wrote, naming the stream.
 */
export function parseStreamState(stream: string, blob: Record<string, unknown> | undefined): StripeStreamState {
  if (blob === undefined) return {};
  const parsed = StripeStreamState.safeParse(blob);
  if (!parsed.success) {
    throw new ConfigError(`the saved state of stream ${stream} is not one source-stripe wrote (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); reset the stream's state to read it again from the start`, { stream });
  }
  const { backfill, ...state } = parsed.data;
  if (!backfill || state.pass) return state;
  return {
    ...state,
    pass: {
      high_water: backfill.high_water,
      high_water_ids: backfill.high_water_ids,
      todo: [{ gte: state.cursor ?? 0, lte: backfill.created_lte, lte_ids: backfill.created_lte_ids, ...(state.cursor_ids?.length ? { gte_ids: state.cursor_ids } : {}) }],
    },
  };
}

/** Adds `id` to a boundary id list, up to the cap. */
export function remember(ids: string[], id: string): void {
  if (ids.length < MAX_BOUNDARY_IDS && !ids.includes(id)) ids.push(id);
}
