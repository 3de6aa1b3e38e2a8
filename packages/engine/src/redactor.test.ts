import { expect, it } from 'vitest';
import { createRedactor, maskUrlPasswords, REDACTED, redactDeep } from './redactor.ts';

it('masks a value as written, JSON-escaped and percent-encoded, longest first', () => {
  const redact = createRedactor(['p@ss"word', 'p@ss']);
  expect(redact('a p@ss"word b')).toBe(`a ${REDACTED} b`);
  expect(redact(JSON.stringify({ x: 'p@ss"word' }))).toBe(`{"x":"${REDACTED}"}`);
  expect(redact('mysql://u:p%40ss%22word@h/db')).toBe(`mysql://u:${REDACTED}@h/db`);
  expect(createRedactor([])('unchanged')).toBe('unchanged');
});

it('masks a secret cut short by a snippet, and one quoted twice in JSON', () => {
  const redact = createRedactor(['sk_live_abcdef"x']);
  expect(redact('line 3: {"api_key":"sk_live_abc…')).toBe(`line 3: {"api_key":"${REDACTED}…`);
  expect(redact('key sk_live_ab... and sk_… too')).toBe(`key ${REDACTED}... and ${REDACTED}… too`);
  expect(redact(JSON.stringify(JSON.stringify({ k: 'sk_live_abcdef"x' })))).toBe(`"{\\"k\\":\\"${REDACTED}\\"}"`);
  expect(redact('sk… is too short to tell')).toBe('sk… is too short to tell');
  expect(redact('an ellipsis… alone')).toBe('an ellipsis… alone');
});

it('masks the password of any URL with user info, known or not, and leaves ports and plain hosts alone', () => {
  expect(maskUrlPasswords('connect postgres://app:unknown-pw@db:5432/x failed')).toBe(`connect postgres://app:${REDACTED}@db:5432/x failed`);
  expect(maskUrlPasswords('https://api.example.com:8443/v1 and postgres://app@db/x')).toBe('https://api.example.com:8443/v1 and postgres://app@db/x');
  expect(createRedactor([])('redis://:pw-only@cache:6379')).toBe(`redis://:${REDACTED}@cache:6379`);
});

it('masks every string at any depth, keeps keys, numbers and dates', () => {
  const when = new Date(0);
  const masked = redactDeep({ tok: 'a tok-1 b', list: ['tok-1', 7], when, nested: { 'tok-1': null } }, createRedactor(['tok-1']));
  expect(masked).toEqual({ tok: `a ${REDACTED} b`, list: [REDACTED, 7], when, nested: { 'tok-1': null } });
  expect(masked.when).toBe(when);
});
