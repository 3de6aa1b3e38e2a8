export {
  startSheetsEmulator,
  type SheetsEmulator,
  type SheetsEmulatorOptions,
  type SheetsRequest,
  type SheetsFault,
  type SheetsFaultTarget,
  type EmulatorOAuthClient,
} from './emulator.ts';
export { parseA1, formatA1, columnLetters, columnIndex, quoteSheetTitle, type GridRange } from './a1.ts';
