// Pure helpers for the Repositories view: search, grouping by account, merging streamed scan
// results, and the progress, time and error texts. No Tauri here, so they are easy to test.

import { formatCount } from './format';
import type { CloneProgress } from './bindings/CloneProgress';
import type { CloneReport } from './bindings/CloneReport';
import type { CloneRequest } from './bindings/CloneRequest';
import type { InventoryProgress } from './bindings/InventoryProgress';
import type { Repository } from './bindings/Repository';
import type { ScanNote } from './bindings/ScanNote';

/** What a row shows about its clone. No entry: not cloned (or cancelled). */
export type CloneState =
  | { state: 'running'; request: CloneRequest; progress: CloneProgress | null; cancelling: boolean }
  | { state: 'done'; report: CloneReport }
  | { state: 'failed'; code: string; message: string };

/** A repository's identity in the list: the same repository seen through two identities is two rows. */
export function repoKey(r: Repository): string {
  return [r.session, r.accountId, r.region, r.name].join('/');
}

/** The request that clones `r` into the default folder. */
export function cloneRequest(r: Repository): CloneRequest {
  return {
    session: r.session,
    accountId: r.accountId,
    accountName: r.accountName,
    roleName: r.roleName,
    region: r.region,
    repository: r.name,
    dest: null,
  };
}

const words = (query: string) => query.toLowerCase().split(/\s+/).filter(Boolean);

function haystack(r: Repository): string {
  return [r.name, r.description ?? '', r.accountName, r.accountId, r.region]
    .join('\n')
    .toLowerCase();
}

/**
 * Repositories where every word of `query` appears (case-insensitively) in the name, description,
 * account name, account id or region. An empty query keeps everything, in order.
 */
export function filterRepositories(list: readonly Repository[], query: string): Repository[] {
  const needles = words(query);
  if (needles.length === 0) return list.slice();
  return list.filter((r) => {
    const text = haystack(r);
    return needles.every((w) => text.includes(w));
  });
}

// Made on first use: a collator loads ICU's collation data into the web process, which the
// window needs only once repositories are sorted.
let collator: Intl.Collator | undefined;
const compareNames = (a: string, b: string) =>
  (collator ??= new Intl.Collator('en', { sensitivity: 'base', numeric: true })).compare(a, b);

/** By account name, account id, repository name, region, then identity. Never mutates `list`. */
export function sortRepositories(list: readonly Repository[]): Repository[] {
  return list
    .slice()
    .sort(
      (a, b) =>
        compareNames(a.accountName, b.accountName) ||
        a.accountId.localeCompare(b.accountId) ||
        compareNames(a.name, b.name) ||
        a.region.localeCompare(b.region) ||
        a.session.localeCompare(b.session),
    );
}

export type AccountGroup = { accountId: string; accountName: string; repositories: Repository[] };

/** Sorted repositories, grouped by account (groups in account-name order). */
export function groupByAccount(list: readonly Repository[]): AccountGroup[] {
  const groups: AccountGroup[] = [];
  const byId = new Map<string, AccountGroup>();
  for (const r of sortRepositories(list)) {
    let group = byId.get(r.accountId);
    if (!group) {
      group = { accountId: r.accountId, accountName: r.accountName, repositories: [] };
      byId.set(r.accountId, group);
      groups.push(group);
    }
    group.repositories.push(r);
  }
  return groups;
}

/** `list` with each of `incoming` replacing the row of the same key, or appended. Never mutates. */
export function mergeRepositories(
  list: readonly Repository[],
  incoming: readonly Repository[],
): Repository[] {
  const next = list.slice();
  const index = new Map(next.map((r, i) => [repoKey(r), i]));
  for (const r of incoming) {
    const i = index.get(repoKey(r));
    if (i === undefined) {
      index.set(repoKey(r), next.length);
      next.push(r);
    } else {
      next[i] = r;
    }
  }
  return next;
}

const noteKey = (n: ScanNote) => `${n.accountId}/${n.region ?? ''}`;

/** `list` with each of `incoming` replacing the note for the same account and region. Never mutates. */
export function mergeNotes(list: readonly ScanNote[], incoming: readonly ScanNote[]): ScanNote[] {
  const byKey = new Map(list.map((n) => [noteKey(n), n]));
  for (const n of incoming) byKey.set(noteKey(n), n);
  return [...byKey.values()];
}

/** "no CodeCommit access in eu-west-1", "CodeCommit unavailable in me-south-1", … */
export function noteText(n: ScanNote): string {
  const where = n.region ? ` in ${n.region}` : '';
  switch (n.kind) {
    case 'accessDenied':
      return `no CodeCommit access${where}`;
    case 'unavailable':
      return `CodeCommit unavailable${where}`;
    case 'failed':
      return `could not be scanned${where}`;
  }
}

export type AccountNotes = { accountId: string; accountName: string; notes: ScanNote[] };

/** Notes by account, in account-name order (regions sorted within an account). */
export function notesByAccount(notes: readonly ScanNote[]): AccountNotes[] {
  const byId = new Map<string, AccountNotes>();
  for (const n of notes) {
    let entry = byId.get(n.accountId);
    if (!entry) {
      entry = { accountId: n.accountId, accountName: n.accountName, notes: [] };
      byId.set(n.accountId, entry);
    }
    entry.notes.push(n);
  }
  const all = [...byId.values()];
  for (const a of all) a.notes.sort((x, y) => (x.region ?? '').localeCompare(y.region ?? ''));
  return all.sort(
    (a, b) => compareNames(a.accountName, b.accountName) || a.accountId.localeCompare(b.accountId),
  );
}

const plural = (n: number, one: string, many: string) =>
  `${formatCount(n)} ${n === 1 ? one : many}`;

/** The progress of several scans running at once, as one. */
export function combineProgress(list: readonly InventoryProgress[]): InventoryProgress | null {
  if (list.length === 0) return null;
  const etas = list.map((p) => p.etaSecs).filter((e): e is number => e !== null);
  return {
    accountsDone: list.reduce((sum, p) => sum + p.accountsDone, 0),
    accountsTotal: list.reduce((sum, p) => sum + p.accountsTotal, 0),
    repositories: list.reduce((sum, p) => sum + p.repositories, 0),
    etaSecs: etas.length > 0 ? Math.max(...etas) : null,
  };
}

/** "accounts 3/7 · 12 repositories · ETA 4 s" (no ETA until it can be estimated). */
export function scanProgressText(p: InventoryProgress): string {
  let text = `accounts ${formatCount(p.accountsDone)}/${formatCount(p.accountsTotal)} · ${plural(p.repositories, 'repository', 'repositories')}`;
  if (p.etaSecs !== null) text += ` · ETA ${formatCount(Math.round(p.etaSecs))} s`;
  return text;
}

/** "1.2 MiB", "640 KiB", "12 B". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "Receiving objects 120/300 · 1.2 MiB", "Resolving deltas", "Checking out", "Connecting…". */
export function cloneProgressText(p: CloneProgress | null): string {
  switch (p?.phase) {
    case undefined:
    case 'connecting':
      return 'Connecting…';
    case 'receiving': {
      const count =
        p.totalObjects > 0
          ? `${formatCount(p.receivedObjects)}/${formatCount(p.totalObjects)}`
          : formatCount(p.receivedObjects);
      return `Receiving objects ${count} · ${formatBytes(p.receivedBytes)}`;
    }
    case 'resolving':
      return 'Resolving deltas';
    case 'checkout':
      return 'Checking out';
  }
}

/** 0–100, whole. */
export function clonePercent(p: CloneProgress | null): number {
  if (!p || !Number.isFinite(p.percent)) return 0;
  return Math.min(100, Math.max(0, Math.round(p.percent)));
}

/** What a row says when its clone failed: a sign-in hint for session errors, else the message. */
export function cloneErrorText(error: { code: string; message: string }, session: string): string {
  switch (error.code) {
    case 'SessionExpired':
      return `Your session for ${session} has expired. Sign in on the Sessions view, then clone again.`;
    case 'NotSignedIn':
      return `You are not signed in to ${session}. Sign in on the Sessions view, then clone again.`;
    default:
      return error.message;
  }
}

/** "just now", "5 minutes ago", "3 days ago", "2 years ago"; the input itself when unparsable. */
export function relativeTime(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const secs = Math.max(0, (now - at) / 1000);
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Number.POSITIVE_INFINITY, 'year'],
  ];
  if (secs < 60) return 'just now';
  let value = secs;
  for (const [size, unit] of steps) {
    if (value < size) {
      const n = Math.floor(value);
      return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
    }
    value /= size;
  }
  return iso;
}

/** The exact time for a `title` attribute ("2024-05-01T10:00:00.000Z"); the input when unparsable. */
export function isoTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : new Date(at).toISOString();
}
