import { main } from '@sync/connector-kit';
import { googleSheetsDestination } from './destination.ts';

await main(googleSheetsDestination);
