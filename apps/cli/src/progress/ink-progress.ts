/**
 * Mounts the ink progress view on a terminal stream (stderr) for the length of a run. Redraws a few
 * times a second from a timer, not on every event, so a fast source costs the view nothing extra.
 * It never reads stdin (no `useInput`), so raw mode is never asked for: it cannot crash on a missing
 * TTY, and Ctrl-C stays a SIGINT that stops the run cleanly.
 *
 * Log lines are printed once above the view and then forgotten: each batch goes to a fresh `<Static>`
 * (a new key), which ink writes at once, so a run that logs millions of lines holds none of them.
 */
import { createElement as h } from 'react';
import { render } from 'ink';
import type { SyncEvent, SyncResult } from '@sync/engine';
import { ProgressModel } from './progress-model.ts';
import { ProgressView } from './progress-view.ts';

/** Redraw interval of the live view, ms. */
const REDRAW_MS = 250;

export interface InkProgress {
  onEvent(event: SyncEvent): void;
  /** Prints a log line above the live view. */
  log(line: string): void;
  /** Draws the final frame and gives the terminal back. */
  finish(result?: SyncResult): Promise<void>;
}

export function startInkProgress(stream: NodeJS.WriteStream, clock: () => number = () => performance.now()): InkProgress {
  const model = new ProgressModel(clock());
  let batch = 0;
  let logs: string[] = [];
  const view = () => h(ProgressView, { snapshot: model.snapshot, now: clock(), logs, logsKey: batch });
  const instance = render(view(), { stdout: stream, stderr: stream, exitOnCtrlC: false, patchConsole: false });
  const timer = setInterval(() => instance.rerender(view()), REDRAW_MS);
  timer.unref();
  let finished = false;
  return {
    onEvent(event) {
      model.apply(event, clock());
    },
    log(line) {
      // A new batch (a new <Static>) per line: printed by this rerender, then dropped.
      batch++;
      logs = [line];
      instance.rerender(view());
      logs = [];
    },
    async finish(result) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (result) model.finish(result, clock());
      instance.rerender(view());
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
