import { main } from '@sync/connector-kit';
import { postgresDestination } from './destination.ts';

await main(postgresDestination);
