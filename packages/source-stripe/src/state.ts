/**
 * The per-stream state of the Stripe source, and how a read advances it.
 *
 * Stripe lists newest first and filters on `created` (unix seconds). A read of a stream is one
 * *pass* down the list, from the newest object to the cursor (or to the oldest object on a first
 * run), one page at a time:
 *
 * ```
 * { cursor?: number, cursor_ids?: string[],          // done: every object created before `cursor`,
 *                                                     //   and those at `cursor` listed in cursor_ids
 *   backfill?: { high_water, high_water_ids,          // newest second seen by the pass in progress
 *                created_lte, created_lte_ids } }     // the pass emitted everything newer than
 *                                                     //   created_lte, and these ids at created_lte
 * ```
 *
 * - A pass reads `created[gte]=cursor` (all of it on a first run), newest first, paginating with
 *   `starting_after`. After each page the state records how far down it got (`backfill`).
 * - A run that starts from a `backfill` state resumes the pass with `created[lte]=created_lte`: no
 *   completed page is read again; the objects of that one second that were already emitted are
 *   read but skipped.
 * - When the pass reaches the end, `cursor` becomes `high_water`: the next run reads only objects
 *   created since (an unchanged stream costs one request). Objects created while a pass runs are
 *   newer than the page it reads, so the next pass picks them up.
 * - The id lists make the boundary seconds exact (objects created in the same second as the
 *   cursor, after the pass, are still read; ones already emitted are not emitted twice). They are
 *   capped: past the cap, a resume re-emits some objects of that second, which the destination
 *   deduplicates by id (delivery is at least once). Nothing is ever skipped that was not emitted.
 *
 * Only `created` is tracked: a change to an existing object (a customer's new email) is not seen
 * by an incremental read; a full refresh reads it.
 */
import { z } from 'zod';
import { ConfigError } from '@sync/protocol';

/** Most ids remembered per boundary second. */
export const MAX_BOUNDARY_IDS = 100;

const Ids = z.array(z.string()).max(MAX_BOUNDARY_IDS);

export const StripeStreamState = z.object({
  cursor: z.number().int().optional().describe('Unix seconds: every object created before it has been emitted.'),
  cursor_ids: Ids.optional().describe('Objects created in the cursor second that have been emitted.'),
  backfill: z
    .object({
      high_water: z.number().int().describe('Unix seconds of the newest object the pass in progress has seen.'),
      high_water_ids: Ids.describe('Objects of the high-water second the pass has emitted.'),
      created_lte: z.number().int().describe('Unix seconds: the pass has emitted every object newer than this.'),
      created_lte_ids: Ids.describe('Objects of the created_lte second the pass has emitted.'),
    })
    .optional()
    .describe('Present while a pass is under way.'),
});
export type StripeStreamState = z.infer<typeof StripeStreamState>;

/**
 * @throws ConfigError when the state is not one this source wrote, naming the stream.
 */
export function parseStreamState(stream: string, blob: Record<string, unknown> | undefined): StripeStreamState {
  if (blob === undefined) return {};
  const parsed = StripeStreamState.safeParse(blob);
  if (!parsed.success) {
    throw new ConfigError(`the saved state of stream ${stream} is not one source-stripe wrote (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); reset the stream's state to read it again from the start`, { stream });
  }
  return parsed.data;
}

function remember(ids: string[], id: string): void {
  if (ids.length < MAX_BOUNDARY_IDS && !ids.includes(id)) ids.push(id);
}

/** The bookkeeping of one pass, fed every object the API returns in order. */
export class Pass {
  readonly #start: StripeStreamState;
  #backfill: NonNullable<StripeStreamState['backfill']> | undefined;
  readonly #skipAtLte: Set<string>;
  readonly #skipAtCursor: Set<string>;

  constructor(start: StripeStreamState) {
    this.#start = start;
    this.#backfill = start.backfill && structuredClone(start.backfill);
    this.#skipAtLte = new Set(start.backfill?.created_lte_ids);
    this.#skipAtCursor = new Set(start.cursor_ids);
  }

  /** The `created` filter of the pass's requests. */
  get created(): { gte?: number; lte?: number } | undefined {
    const { cursor, backfill } = this.#start;
    if (cursor === undefined && backfill === undefined) return undefined;
    return { ...(cursor !== undefined ? { gte: cursor } : {}), ...(backfill ? { lte: backfill.created_lte } : {}) };
  }

  /** Records one object the API returned; false when it was already emitted and must be skipped. */
  see(id: string, created: number): boolean {
    const { cursor, backfill: started } = this.#start;
    const emitted = (created === cursor && this.#skipAtCursor.has(id)) || (created === started?.created_lte && this.#skipAtLte.has(id));
    const backfill = (this.#backfill ??= { high_water: created, high_water_ids: [], created_lte: created, created_lte_ids: [] });
    if (created === backfill.high_water) remember(backfill.high_water_ids, id);
    if (created !== backfill.created_lte) {
      backfill.created_lte = created;
      backfill.created_lte_ids = [];
    }
    remember(backfill.created_lte_ids, id);
    return !emitted;
  }

  /** The state while the pass is under way. */
  inProgress(): StripeStreamState {
    const { cursor, cursor_ids } = this.#start;
    return {
      ...(cursor !== undefined ? { cursor, cursor_ids: cursor_ids ?? [] } : {}),
      ...(this.#backfill ? { backfill: structuredClone(this.#backfill) } : {}),
    };
  }

  /** The state once the pass has reached the end of the list. */
  completed(): StripeStreamState {
    const { cursor, cursor_ids = [] } = this.#start;
    if (!this.#backfill) return cursor === undefined ? {} : { cursor, cursor_ids };
    const { high_water, high_water_ids } = this.#backfill;
    const ids = [...high_water_ids];
    if (high_water === cursor) for (const id of cursor_ids) remember(ids, id);
    return { cursor: high_water, cursor_ids: ids };
  }
}
