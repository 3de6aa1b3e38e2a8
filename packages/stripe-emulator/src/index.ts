export {
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
  type EmulatorRequest,
  type EmulatorFault,
  type EmulatorCounters,
  type Unavailability,
} from './emulator.ts';
export type { ListQuirks } from './list.ts';
export { RESOURCES, type ResourceDefinition, type StripeObject } from './resources.ts';
export { CREATED_FROM, CREATED_UNTIL, EMBEDDED_ITEMS } from './dataset.ts';
export type { Fields, EmulatorEvent } from './mutations.ts';
export { Random } from './random.ts';
