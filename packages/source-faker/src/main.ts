import { main } from '@sync/protocol';
import { fakerSource } from './source.ts';

await main(fakerSource);
