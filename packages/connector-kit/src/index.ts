export { defineSource, type SourceDefinition, type StreamDefinition, type PageRequest, type PageResult, type Row, type CursorValue } from './define-source.ts';
export { cursorPagination, pageNumberPagination, offsetPagination, type Pagination, type PagePosition } from './pagination.ts';
export { bearerAuth, oauth2RefreshAuth, type Auth, type OAuth2RefreshOptions } from './auth.ts';
export { createHttpClient, type HttpClient, type HttpClientOptions, type Query } from './http.ts';
export { withRetry, parseRetryAfter, RetryableError, type RetryOptions } from './retry.ts';
