/**
 * The HTTP API's types, generated from its OpenAPI document (openapi.json, beside this file) by
 * openapi-typescript. Do not edit: run `pnpm exec node packages/api-client/scripts/generate.ts`.
 */

export interface paths {
    "/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Audit log
         * @description Every change made through the API, newest first: who (which token), what, when.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Entries older than this id (paging). */
                    before_id?: number | null;
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The entries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditList"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/connectors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Connectors
         * @description The built-in connectors and the `source-<name>`/`destination-<name>` executables on the server's PATH, with their specs.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The connectors. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConnectorList"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/connectors/{role}/{name}/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a config before storing it
         * @description Runs the connector's `check` with the config given (the Postgres destination's `url` defaults to the server's database); nothing is stored. 200 even when the check fails.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A built-in connector or a `<role>-<name>` executable on the PATH. */
                    name: string;
                    role: "source" | "destination";
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ConfigToTry"];
                };
            };
            responses: {
                /** @description The connector's status, secrets masked. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConnectionStatus"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/connectors/source/{name}/discover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Discover the streams of a config before storing it
         * @description Runs the source's `discover` with the config given; nothing is stored. 409 when the source fails (its masked message).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A built-in connector or a `<role>-<name>` executable on the PATH. */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ConfigToTry"];
                };
            };
            responses: {
                /** @description The catalog. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Catalog"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description No token needed.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The server is up. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Health"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Metrics
         * @description This process's metrics in Prometheus' text format (prom-client): runs by kind and status, records read and committed, seconds since each pipeline's last checkpoint, queue depth and the oldest waiting job's age, Stripe requests and 429s per account, Node's process metrics. Scrape with `authorization: Bearer <token>` (Prometheus: `authorization.credentials`). Runs, checkpoints and the queue are read from Postgres and are the same on every process.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The metrics. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["PrometheusText"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The server failed; the `request_id` finds it in the log. */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pipelines": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List pipelines
         * @description Every pipeline, by id, with its last run. Pipelines that `sync run` made have `config_stored: false`.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The pipelines. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PipelineList"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a pipeline
         * @description Checks each config against its connector's spec, then stores it (sealed at rest). Secret fields come back masked.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PipelineCreate"];
                };
            };
            responses: {
                /** @description The pipeline. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pipeline"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pipelines/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Show a pipeline */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The pipeline. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pipeline"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete a pipeline
         * @description Deletes the pipeline with its runs, events, states and stored configs (not the data in the destination). 409 while a run is queued or running.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * Change a pipeline
         * @description A config given replaces the stored one (a field sent as the mask keeps its secret); `streams: null` selects every stream again.
         */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PipelinePatch"];
                };
            };
            responses: {
                /** @description The changed pipeline. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Pipeline"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/pipelines/{id}/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check the pipeline's connectors
         * @description Runs `check` of the source and of the destination with the stored configs, at the same time.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Each connector's status; 200 even when one failed. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CheckResult"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pipelines/{id}/discover": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Discover the source's streams */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The catalog. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Catalog"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pipelines/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a pipeline's runs
         * @description Newest first.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The runs. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunList"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Start a run
         * @description Queues a run of the pipeline; a worker starts it. 409 while another run of the pipeline is queued or running.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["RunRequest"];
                };
            };
            responses: {
                /** @description The run, `queued`. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/pipelines/{id}/state": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The pipeline's saved state
         * @description The last acknowledged STATE of each stream, which the next run resumes from.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The states. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PipelineState"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Reset the pipeline's state
         * @description Forgets the saved state of every stream, or of `?stream=`; the next run reads them from the beginning. 409 while a run is queued or running.
         */
        delete: {
            parameters: {
                query?: {
                    /** @description Only this stream. */
                    stream?: string;
                };
                header?: never;
                path: {
                    /** @description Pipeline id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many stream states were forgotten. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["StateReset"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Show a run
         * @description Status, per-stream counts (updated at every checkpoint) and the error, secrets masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Run id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The run. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a run
         * @description A queued run is cancelled at once. A running one is stopped: the worker stops the connectors, the destination commits nothing after its last acknowledged state, and every committed state is kept; the run ends `cancelled`. 409 for a run that already ended.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description Run id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The run, `cancelled` or with `cancel_requested_at`. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The resource is busy or exists (a run in progress, a pipeline id taken). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/runs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow a run's events
         * @description One JSON event per line (`application/x-ndjson`): progress, logs, saved checkpoints, and last `run_finished`; the response follows the run until it ends. `?after=seq` resumes after an event already seen. A client that disconnects does not stop the run. A failure after the stream started is an in-band `stream_error` event, and the stream ends.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Send only events with a larger `seq`. */
                    after?: number | null;
                };
                header?: never;
                path: {
                    /** @description Run id. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The events. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["RunEvent"];
                    };
                };
                /** @description No bearer token, or not this server's. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/stripe/{pipeline_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive a Stripe webhook delivery
         * @description Point a Stripe webhook endpoint here. Verified with the pipeline source's `webhook_secret`; 400 for a bad or missing signature.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Stripe's signature header: `t=<unix time>,v1=<hex HMAC-SHA256>`. */
                    "stripe-signature"?: string;
                };
                path: {
                    pipeline_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Kept; applied by a worker. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["WebhookReceived"];
                    };
                };
                /** @description The request is invalid; `errors` lists each field. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such resource. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AuditEntry: {
            /** @description pipeline.created, pipeline.updated, pipeline.deleted, run.started, run.cancelled, state.reset */
            action: string;
            /** @description Which token: `token:` and the first 12 hex digits of its sha256. */
            actor: string;
            at: string;
            details: {
                [key: string]: unknown;
            };
            id: number;
            target_id: string;
            /** @enum {string} */
            target_type: "pipeline" | "run";
        };
        AuditList: {
            data: components["schemas"]["AuditEntry"][];
        };
        /** @description The source's catalog (Airbyte AirbyteCatalog). */
        Catalog: {
            /** @description Airbyte AirbyteStream objects: name, json_schema, supported_sync_modes, source_defined_primary_key, … */
            streams: {
                [key: string]: unknown;
            }[];
        };
        /** @description Each connector's `check` (Airbyte AirbyteConnectionStatus), secrets masked. */
        CheckResult: {
            destination: {
                message?: string;
                /** @enum {string} */
                status: "SUCCEEDED" | "FAILED";
            };
            source: {
                message?: string;
                /** @enum {string} */
                status: "SUCCEEDED" | "FAILED";
            };
        };
        ConfigToTry: {
            /** @description The config to try; nothing is stored. */
            config: {
                [key: string]: unknown;
            };
        };
        ConnectionStatus: {
            message?: string;
            /** @enum {string} */
            status: "SUCCEEDED" | "FAILED";
        };
        Connector: {
            builtin: boolean;
            /** @description Why `spec` failed. */
            error?: string;
            name: string;
            /** @enum {string} */
            role: "source" | "destination";
            /** @description The connector's `connectionSpecification` (JSON Schema of its config); null when `spec` failed. */
            spec: {
                [key: string]: unknown;
            } | null;
        };
        ConnectorList: {
            data: components["schemas"]["Connector"][];
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        Pipeline: {
            /** @description false for a pipeline that `sync run` made: it has history and state but no stored config, so it cannot be run from here. */
            config_stored: boolean;
            created_at: string;
            destination: {
                /** @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`. */
                config: {
                    [key: string]: unknown;
                };
                name: string;
            };
            id: string;
            /** @description The newest run, or null. */
            last_run: components["schemas"]["Run"] | null;
            max_attempts: number;
            max_duration_seconds: number | null;
            /** @description When the next scheduled run is due. */
            next_run_at: string | null;
            schedule: components["schemas"]["Schedule"];
            source: {
                /** @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`. */
                config: {
                    [key: string]: unknown;
                };
                name: string;
            };
            /** @description null: every stream. */
            streams: components["schemas"]["StreamConfig"][] | null;
            updated_at: string;
        };
        PipelineCreate: {
            destination: {
                /**
                 * @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`.
                 * @default {}
                 */
                config: {
                    [key: string]: unknown;
                };
                /** @description A built-in destination (`postgres`, `google-sheets`) or `destination-<name>` on the PATH. */
                name: string;
            };
            /** @description Default: `<source>-<destination>`, with a number added when taken. */
            id?: string;
            /** @description Attempts of a run that fails with a transient or system error (exponential backoff); 1: no retry. Default 3. */
            max_attempts?: number;
            /** @description A run past this stops at its last checkpoint and a new run continues from there; null: no limit. */
            max_duration_seconds?: number | null;
            /** @description When the pipeline runs by itself; null: never. */
            schedule?: {
                /** @description Cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first; e.g. `*\/15 * * * *`. */
                cron: string;
                /**
                 * @description Each scheduled run starts up to this many seconds late, at random.
                 * @default 0
                 */
                jitter_seconds: number;
                /**
                 * @description IANA time zone the expression is read in, e.g. `Europe/Paris`.
                 * @default UTC
                 */
                timezone: string;
            } | null;
            source: {
                /**
                 * @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`.
                 * @default {}
                 */
                config: {
                    [key: string]: unknown;
                };
                /** @description A built-in source (`stripe`, `faker`) or `source-<name>` on the PATH. */
                name: string;
            };
            /** @description Streams to sync and how. Default: every stream the source discovers, with the defaults above. */
            streams?: components["schemas"]["StreamConfig"][];
        };
        PipelineList: {
            data: components["schemas"]["Pipeline"][];
        };
        /** @description A config given replaces the stored one; a field sent as `**********` keeps its stored secret. */
        PipelinePatch: {
            destination?: {
                /** @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`. */
                config?: {
                    [key: string]: unknown;
                };
                name?: string;
            };
            /** @description Attempts of a run that fails with a transient or system error (exponential backoff); 1: no retry. Default 3. */
            max_attempts?: number;
            /** @description A run past this stops at its last checkpoint and a new run continues from there; null: no limit. */
            max_duration_seconds?: number | null;
            /** @description When the pipeline runs by itself; null: never. */
            schedule?: {
                /** @description Cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first; e.g. `*\/15 * * * *`. */
                cron: string;
                /**
                 * @description Each scheduled run starts up to this many seconds late, at random.
                 * @default 0
                 */
                jitter_seconds: number;
                /**
                 * @description IANA time zone the expression is read in, e.g. `Europe/Paris`.
                 * @default UTC
                 */
                timezone: string;
            } | null;
            source?: {
                /** @description The connector's config, as its spec describes it. Secret fields (`airbyte_secret`) are returned as `**********`. */
                config?: {
                    [key: string]: unknown;
                };
                name?: string;
            };
            /** @description `null`: every stream again. */
            streams?: components["schemas"]["StreamConfig"][] | null;
        };
        PipelineState: {
            pipeline_id: string;
            /** @description The last acknowledged Airbyte STATE of each stream (the `state` object of AirbyteStateMessage). */
            states: {
                [key: string]: unknown;
            }[];
        };
        /** @description An error, as RFC 9457 problem details (`application/problem+json`). */
        Problem: {
            /** @description What went wrong with this request, and what to do. */
            detail: string;
            /** @description For 400: each invalid field. */
            errors?: {
                /** @enum {string} */
                in: "body" | "query" | "path" | "header";
                message: string;
                /** @description JSON Pointer to the field. */
                path: string;
            }[];
            /** @description The request path. */
            instance: string;
            /** @description Id of the request, also in the `X-Request-Id` header and the server log. */
            request_id: string;
            /** @description The HTTP status code. */
            status: number;
            /** @description Short summary of the kind of problem. */
            title: string;
            /** @description A URI reference naming the kind of problem, e.g. `/problems/run-in-progress`. Stable: branch on it. */
            type: string;
        };
        /** @description Prometheus text exposition format 0.0.4. */
        PrometheusText: string;
        Run: {
            /** @description 1, or n + 1 for the retry of attempt n. */
            attempt: number;
            cancel_requested_at: string | null;
            /** @description When it was queued (ISO 8601). */
            created_at: string;
            /** @description Why it failed, secrets masked. */
            error: string | null;
            finished_at: string | null;
            id: string;
            /**
             * @description `webhook`: Stripe webhook deliveries applied.
             * @enum {string}
             */
            kind: "sync" | "webhook";
            pipeline_id: string;
            /** @description The run this one retries or continues. */
            previous_run_id: string | null;
            request: components["schemas"]["RunRequest"];
            /** @description When a worker started it; null while queued. */
            started_at: string | null;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
            streams: {
                [key: string]: components["schemas"]["RunStreamCounts"];
            };
            /** @description Times the run went back to the queue because its worker died or stopped; it resumed from its last checkpoint each time. */
            takeovers: number;
            /**
             * @description What queued it: a request, the schedule, a retry of a failed run, the continuation of a run stopped at its time limit, webhook deliveries.
             * @enum {string}
             */
            trigger: "manual" | "schedule" | "retry" | "continuation" | "webhook";
        };
        /** @description One line of `application/x-ndjson`. */
        RunEvent: {
            at: string;
            /** @description 1, 2, … in the order the engine emitted them; `?after=seq` resumes after it. */
            seq: number;
            /** @description run_created, run_started, stream_status, records_read, checkpoint, log, warning, …, and last run_finished (or stream_error when the stream itself failed). */
            type: string;
        } & {
            [key: string]: unknown;
        };
        RunList: {
            data: components["schemas"]["Run"][];
        };
        RunRequest: {
            /** @description Ignore saved state and read every stream from the beginning. */
            full_refresh?: boolean;
            /** @description Only these of the pipeline's streams. */
            streams?: string[];
        };
        RunStreamCounts: {
            records_committed: number;
            records_read: number;
            /** @description pending, started, running, complete or incomplete. */
            status?: string;
        };
        /** @description A scheduled run never overlaps the previous one (that tick is skipped); ticks missed while no worker ran add up to one run. */
        Schedule: {
            /** @description Cron expression: 5 fields (minute hour day month weekday), or 6 with seconds first; e.g. `*\/15 * * * *`. */
            cron: string;
            /**
             * @description Each scheduled run starts up to this many seconds late, at random.
             * @default 0
             */
            jitter_seconds: number;
            /**
             * @description IANA time zone the expression is read in, e.g. `Europe/Paris`.
             * @default UTC
             */
            timezone: string;
        } | null;
        StateReset: {
            streams_reset: number;
        };
        StreamConfig: {
            /** @description Cursor field path, when the source lets the user choose it. */
            cursor_field?: string[];
            /**
             * @description Default: append_dedup where the stream has a primary key, else append.
             * @enum {string}
             */
            destination_sync_mode?: "append" | "append_dedup" | "overwrite";
            /** @description Top-level fields to sync (field selection); the primary key and cursor are always kept. Default: every field. */
            fields?: string[];
            /** @description Stream name, as the source discovers it. */
            name: string;
            /**
             * @description Default: incremental where the stream supports it.
             * @enum {string}
             */
            sync_mode?: "full_refresh" | "incremental";
        };
        WebhookReceived: {
            /** @description The event id was received before; it is applied once. */
            duplicate: boolean;
            /** @enum {boolean} */
            received: true;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
