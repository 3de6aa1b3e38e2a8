export {
  startStripeEmulator,
  type StripeEmulator,
  type StripeEmulatorOptions,
  type EmulatorRequest,
  type EmulatorFault,
} from './emulator.ts';
export { RESOURCES, type ResourceDefinition, type StripeObject } from './resources.ts';
export { CREATED_FROM, CREATED_UNTIL } from './dataset.ts';
