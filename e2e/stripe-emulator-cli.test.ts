/**
 * `sync emulator stripe` with the quirk flags: the server it starts behaves as the flags say
 * (--same-second, --ignore-created-filter, --ignore-starting-after), and stops on SIGTERM.
 */
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { cliEnv, startCli } from './support/cli.ts';

const KEY = 'sk_test_cli';

it('serves the quirks its flags ask for, and stops on SIGTERM', async () => {
  const emulator = startCli(
    ['emulator', 'stripe', '--port', '0', '--objects', '300', '--api-key', KEY, '--same-second', '40', '--ignore-created-filter', '--ignore-starting-after'],
    cliEnv({}),
  );
  let banner = '';
  emulator.stderr!.setEncoding('utf8');
  emulator.stderr!.on('data', (chunk: string) => (banner += chunk));
  while (!/Press Ctrl-C to stop/.test(banner)) await once(emulator.stderr!, 'data');
  expect(banner).toMatch(/40 objects per resource in one second, created filters ignored, starting_after ignored/);
  const url = banner.match(/listening on (http:\/\/\S+):/)![1]!;
  const list = async (query: string) => {
    const response = await fetch(`${url}/v1/customers?${query}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Array<{ id: string; created: number }> }).data;
  };

  const top = await list('limit=100');
  const crowd = new Map<number, number>();
  for (const c of top) crowd.set(c.created, (crowd.get(c.created) ?? 0) + 1);
  expect(Math.max(...crowd.values())).toBeGreaterThanOrEqual(Math.min(40, top.length));
  const oldest = top.at(-1)!.created;
  expect((await list(`limit=5&created[lt]=${oldest}`)).map((c) => c.id)).toEqual(top.slice(0, 5).map((c) => c.id));
  expect((await list(`limit=5&starting_after=${top[2]!.id}`)).map((c) => c.id)).toEqual(top.slice(0, 5).map((c) => c.id));

  emulator.kill('SIGTERM');
  expect((await emulator).exitCode).toBe(0);
});
