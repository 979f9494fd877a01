// What the Sessions view says about an identity: badge labels, the live countdown, and how
// form input and `InvalidInput` errors map to fields. Pure functions, so they are easy to test.

import type { IdentityStatus } from './bindings/IdentityStatus';
import type { SessionState } from './bindings/SessionState';

export const STATE_LABELS: Record<SessionState, string> = {
  signedIn: 'Signed in',
  signedOut: 'Signed out',
  expiring: 'Expiring',
  expired: 'Expired — sign in',
  offline: 'Offline',
};

/** `42m 10s`, `9m 03s`, `1h 05m 00s`, `7s`. Negative durations count as zero. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Milliseconds until the access token expires at `now`, or null when unknown. */
function remaining(status: IdentityStatus, now: number): number | null {
  if (!status.accessTokenExpiresAt) return null;
  const at = Date.parse(status.accessTokenExpiresAt);
  return Number.isNaN(at) ? null : at - now;
}

/** The countdown line under the badge, or null when there is nothing to count. */
export function countdown(status: IdentityStatus, now: number): string | null {
  const left = remaining(status, now);
  switch (status.state) {
    case 'signedIn':
      if (status.refreshable) {
        if (left === null) return 'Renews automatically';
        if (left <= 0) return 'Renews automatically · renewing the access token…';
        return `Renews automatically · access token valid ${formatDuration(left)}`;
      }
      // No refresh token was issued (e.g. a registration without scopes): say so up front.
      if (left === null) return 'Cannot renew — sign in again when it ends';
      return left > 0 ? `Cannot renew · ends in ${formatDuration(left)}` : 'Expired';
    case 'expiring':
      return left !== null && left > 0
        ? `Expires in ${formatDuration(left)} — sign in again`
        : 'Expired';
    case 'expired':
      return 'Expired';
    case 'signedOut':
      return null;
    case 'offline':
      return 'Cannot reach IAM Identity Center · renews by itself when the network is back';
  }
}

/** Comma-separated scopes as typed → the list `saveIdentity` wants (trimmed, no empties). */
export function parseScopes(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export type IdentityField = 'session' | 'startUrl' | 'region';

const FIELD_PREFIXES: [IdentityField, string][] = [
  ['startUrl', 'invalid startUrl'],
  ['region', 'invalid region'],
  ['session', 'invalid session'],
];

/**
 * The form field an `InvalidInput` message is about (the core words them
 * `invalid <field>: <reason>`), with the reason to show next to it; null for other messages.
 */
export function fieldError(message: string): { field: IdentityField; text: string } | null {
  for (const [field, prefix] of FIELD_PREFIXES) {
    if (message.startsWith(prefix)) {
      const text = message.slice(prefix.length).replace(/^:\s*/, '').trim();
      return { field, text: text || message };
    }
  }
  return null;
}
