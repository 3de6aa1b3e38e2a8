/** The `source-stripe` executable. */
import { main } from '@sync/protocol';
import { stripeSource } from './source.ts';

await main(stripeSource);
