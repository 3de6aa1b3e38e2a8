import { main } from '@sync/protocol';
import { postgresDestination } from './destination.ts';

await main(postgresDestination);
