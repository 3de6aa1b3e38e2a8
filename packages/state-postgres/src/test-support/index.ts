/** Test helpers for packages whose tests need a state store of their own (`@sync/state-postgres/test-support`). */
export { storeForTests } from './store-for-tests.ts';
export { dropSchema, randomSchema } from '../test-schema.ts';
