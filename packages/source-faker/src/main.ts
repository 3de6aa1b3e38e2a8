import { main } from '@sync/connector-kit';
import { fakerSource } from './source.ts';

await main(fakerSource);
