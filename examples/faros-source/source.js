#!/usr/bin/env node
// A source written with Faros' Airbyte CDK (npm `faros-airbyte-cdk`), exactly as its authors document
// it, with nothing of this project in it: the proof that a third-party Airbyte connector runs in our
// engine unchanged. It serves `count` deterministic widgets; `updated` is the cursor.
//   sync run --source "node examples/faros-source/source.js" --dest postgres --source-config '{"count": 50}'
'use strict';
const {
  AirbyteSourceBase,
  AirbyteSourceLogger,
  AirbyteSourceRunner,
  AirbyteSpec,
  AirbyteStreamBase,
} = require('faros-airbyte-cdk');

class Widgets extends AirbyteStreamBase {
  constructor(logger, config) {
    super(logger);
    this.config = config;
  }
  getJsonSchema() {
    return {
      type: 'object',
      properties: { id: { type: 'string' }, name: { type: 'string' }, updated: { type: 'integer' } },
    };
  }
  get primaryKey() {
    return 'id';
  }
  get cursorField() {
    return 'updated';
  }
  async *readRecords(syncMode, cursorField, streamSlice, streamState) {
    const since = syncMode === 'incremental' ? (streamState?.updated ?? 0) : 0;
    for (let i = 1; i <= (this.config.count ?? 10); i++) {
      const widget = { id: `w${String(i).padStart(4, '0')}`, name: `widget ${i}`, updated: 1_700_000_000 + i };
      if (widget.updated > since) yield widget;
    }
  }
  getUpdatedState(currentStreamState, latestRecord) {
    return { updated: Math.max(currentStreamState?.updated ?? 0, latestRecord.updated) };
  }
}

class WidgetSource extends AirbyteSourceBase {
  get type() {
    return 'widgets-example';
  }
  async spec() {
    return new AirbyteSpec({
      connectionSpecification: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { count: { type: 'integer', description: 'How many widgets to serve', default: 10 } },
      },
    });
  }
  async checkConnection(config) {
    const count = config.count ?? 10;
    if (!Number.isInteger(count) || count < 0) return [false, new Error(`count must be a whole number >= 0, got ${JSON.stringify(count)}`)];
    return [true, undefined];
  }
  streams(config) {
    return [new Widgets(this.logger, config)];
  }
}

const logger = new AirbyteSourceLogger();
new AirbyteSourceRunner(logger, new WidgetSource(logger)).mainCommand().parse(process.argv);
