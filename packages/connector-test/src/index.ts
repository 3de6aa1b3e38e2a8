export { testConnector, connectorArgv, type TestConnectorOptions } from './test-connector.ts';
export { formatReport, passed, type CheckResult, type SuiteReport } from './report.ts';
export { loadConformanceFile, findConformanceFile, interpolate, type ConformanceFile } from './conformance-file.ts';
export { TEST_STREAM, testCatalog } from './test-stream.ts';
