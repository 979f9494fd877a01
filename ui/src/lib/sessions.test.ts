import { describe, expect, it } from 'vitest';

import { status } from '../test/shell';
import { countdown, fieldError, formatDuration, parseScopes } from './sessions';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const inFuture = (ms: number) => new Date(NOW + ms).toISOString();

describe('formatDuration', () => {
  it.each([
    [42 * 60_000 + 10_000, '42m 10s'],
    [9 * 60_000 + 3_000, '9m 03s'],
    [3_600_000 + 5 * 60_000, '1h 05m 00s'],
    [7_999, '7s'],
    [-5_000, '0s'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('countdown', () => {
  it('says a refreshable session renews, with the access token lifetime', () => {
    const s = status('a', {
      state: 'signedIn',
      refreshable: true,
      accessTokenExpiresAt: inFuture(42 * 60_000 + 10_000),
    });
    expect(countdown(s, NOW)).toBe('Renews automatically · access token valid 42m 10s');
  });

  it('counts down a non-refreshable signed-in session without promising renewal', () => {
    const s = status('a', { state: 'signedIn', accessTokenExpiresAt: inFuture(90_000) });
    expect(countdown(s, NOW)).toBe('Cannot renew · ends in 1m 30s');
    expect(countdown(s, NOW + 90_000)).toBe('Expired');
  });

  it('says an offline session waits for the network, even with its token run out', () => {
    const s = status('a', {
      state: 'offline',
      refreshable: true,
      accessTokenExpiresAt: inFuture(-60_000),
    });
    expect(countdown(s, NOW)).toBe(
      'Cannot reach IAM Identity Center · renews by itself when the network is back',
    );
  });

  it('asks to sign in again when expiring, and says Expired once the time is up', () => {
    const s = status('a', {
      state: 'expiring',
      accessTokenExpiresAt: inFuture(9 * 60_000 + 3_000),
    });
    expect(countdown(s, NOW)).toBe('Expires in 9m 03s — sign in again');
    expect(countdown(s, NOW + 10 * 60_000)).toBe('Expired');
  });

  it('has nothing to count for a signed-out session', () => {
    expect(countdown(status('a'), NOW)).toBeNull();
    expect(countdown(status('a', { state: 'expired' }), NOW)).toBe('Expired');
  });
});

describe('fieldError', () => {
  it.each([
    ['invalid startUrl: http://x must use https://', 'startUrl', 'http://x must use https://'],
    ['invalid region: "mars" is not an AWS region', 'region', '"mars" is not an AWS region'],
    [
      'invalid session: "a b" is not a valid sso-session name',
      'session',
      '"a b" is not a valid sso-session name',
    ],
  ])('maps %j to its field', (message, field, text) =>
    expect(fieldError(message)).toEqual({ field, text }),
  );

  it('leaves other messages to the form', () => {
    expect(fieldError('[sso-session acme] is your own section; change it there')).toBeNull();
  });
});

describe('parseScopes', () => {
  it('splits on commas, trims and drops empties', () => {
    expect(parseScopes(' sso:account:access , codecommit:read,, ')).toEqual([
      'sso:account:access',
      'codecommit:read',
    ]);
    expect(parseScopes('   ')).toEqual([]);
  });
});
