export { googleSheetsDestination, createGoogleSheetsDestination, type GoogleSheetsDestinationOptions } from './destination.ts';
export { GoogleSheetsDestinationConfig, GoogleSheetsCredentials, DEFAULT_BATCH_SIZE, DEFAULT_REQUEST_TIMEOUT_MS } from './config.ts';
export { authClientFromConfig, SHEETS_SCOPE, type AuthClientFactory } from './auth.ts';
export { writeToSheets, MAX_SPREADSHEET_CELLS } from './write.ts';
export { toCell, truncationMarker, MAX_CELL_CHARACTERS } from './cells.ts';
export { planTab, type TabPlan } from './tab.ts';
