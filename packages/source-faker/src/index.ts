export { fakerSource, fakerCatalog, streamNames } from './source.ts';
export { FakerSourceConfig } from './config.ts';
export { fakeCustomer, hash32 } from './customers.ts';
