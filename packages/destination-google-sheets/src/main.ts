import { main } from '@sync/protocol';
import { googleSheetsDestination } from './destination.ts';

await main(googleSheetsDestination);
