import { describe, expect, it } from 'vitest';

import type { CloneProgress } from './bindings/CloneProgress';
import type { Repository } from './bindings/Repository';
import type { ScanNote } from './bindings/ScanNote';
import {
  cloneErrorText,
  clonePercent,
  cloneProgressText,
  cloneRequest,
  combineProgress,
  filterRepositories,
  formatBytes,
  groupByAccount,
  isoTime,
  mergeNotes,
  mergeRepositories,
  noteText,
  notesByAccount,
  relativeTime,
  repoKey,
  scanProgressText,
  sortRepositories,
} from './repositories';

const repo = (name: string, over: Partial<Repository> = {}): Repository => ({
  session: 'acme',
  accountId: '111111111111',
  accountName: 'payments-prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  name,
  description: null,
  defaultBranch: 'main',
  lastModified: '2024-05-01T10:00:00Z',
  cloneUrlHttp: `https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/${name}`,
  arn: null,
  ...over,
});

const LEDGER = repo('ledger', { description: 'Double-entry ledger <EU data residency>' });
const API = repo('payments-api', { region: 'us-east-1', description: 'Public REST API' });
const WEB = repo('web', { accountId: '222222222222', accountName: 'acme-dev', description: null });
const ZED = repo('Zed-tools', { accountId: '222222222222', accountName: 'acme-dev' });
const ALL = [LEDGER, API, WEB, ZED];

const names = (list: Repository[]) => list.map((r) => r.name);

const note = (
  accountId: string,
  region: string | null,
  over: Partial<ScanNote> = {},
): ScanNote => ({
  accountId,
  accountName: `acct-${accountId.slice(0, 1)}`,
  region,
  kind: 'accessDenied',
  detail: 'AccessDeniedException: not authorized to perform codecommit:ListRepositories',
  ...over,
});

describe('filterRepositories', () => {
  it('keeps everything for an empty query', () => {
    expect(names(filterRepositories(ALL, '   '))).toEqual([
      'ledger',
      'payments-api',
      'web',
      'Zed-tools',
    ]);
  });

  it('matches name, description, account name, account id and region, case-insensitively', () => {
    expect(names(filterRepositories(ALL, 'LEDGER'))).toEqual(['ledger']);
    expect(names(filterRepositories(ALL, '<eu data'))).toEqual(['ledger']);
    expect(names(filterRepositories(ALL, 'rest'))).toEqual(['payments-api']);
    expect(names(filterRepositories(ALL, 'acme-DEV'))).toEqual(['web', 'Zed-tools']);
    expect(names(filterRepositories(ALL, '2222'))).toEqual(['web', 'Zed-tools']);
    expect(names(filterRepositories(ALL, 'us-east'))).toEqual(['payments-api']);
  });

  it('needs every word, in any field', () => {
    expect(names(filterRepositories(ALL, 'payments us-east-1'))).toEqual(['payments-api']);
    expect(names(filterRepositories(ALL, 'eu-west-1 dev'))).toEqual(['web', 'Zed-tools']);
    expect(names(filterRepositories(ALL, 'ledger us-east-1'))).toEqual([]);
  });

  it('does not match on the role', () => {
    expect(filterRepositories(ALL, 'developer')).toEqual([]);
  });
});

describe('sorting and grouping', () => {
  it('sorts by account name, then repository name (case-insensitively), without mutating', () => {
    const input = [ZED, LEDGER, API, WEB];
    expect(names(sortRepositories(input))).toEqual(['web', 'Zed-tools', 'ledger', 'payments-api']);
    expect(names(input)).toEqual(['Zed-tools', 'ledger', 'payments-api', 'web']);
  });

  it('groups by account in account-name order', () => {
    const groups = groupByAccount(ALL);
    expect(groups.map((g) => [g.accountName, g.accountId, names(g.repositories)])).toEqual([
      ['acme-dev', '222222222222', ['web', 'Zed-tools']],
      ['payments-prod', '111111111111', ['ledger', 'payments-api']],
    ]);
  });
});

describe('merging', () => {
  it('replaces repositories of the same key and appends new ones, without mutating', () => {
    const before = [LEDGER, API];
    const moved = { ...LEDGER, description: 'renamed' };
    const sameNameOtherRegion = { ...LEDGER, region: 'us-east-1' };
    const after = mergeRepositories(before, [moved, sameNameOtherRegion]);
    expect(after.map((r) => [r.name, r.region, r.description])).toEqual([
      ['ledger', 'eu-west-1', 'renamed'],
      ['payments-api', 'us-east-1', 'Public REST API'],
      ['ledger', 'us-east-1', LEDGER.description],
    ]);
    expect(before[0]!.description).toBe(LEDGER.description);
  });

  it('keys by identity, account, region and name', () => {
    expect(repoKey(LEDGER)).toBe('acme/111111111111/eu-west-1/ledger');
    expect(repoKey({ ...LEDGER, session: 'other' })).not.toBe(repoKey(LEDGER));
  });

  it('replaces the note of the same account and region', () => {
    const first = [note('111111111111', 'us-east-1'), note('222222222222', null)];
    const merged = mergeNotes(first, [
      note('111111111111', 'us-east-1', { kind: 'failed' }),
      note('111111111111', 'eu-west-1'),
    ]);
    expect(merged.map((n) => [n.accountId, n.region, n.kind])).toEqual([
      ['111111111111', 'us-east-1', 'failed'],
      ['222222222222', null, 'accessDenied'],
      ['111111111111', 'eu-west-1', 'accessDenied'],
    ]);
  });
});

describe('notes', () => {
  it('describes each kind quietly, with the region when there is one', () => {
    expect(noteText(note('1', 'eu-west-1'))).toBe('no CodeCommit access in eu-west-1');
    expect(noteText(note('1', null))).toBe('no CodeCommit access');
    expect(noteText(note('1', 'me-south-1', { kind: 'unavailable' }))).toBe(
      'CodeCommit unavailable in me-south-1',
    );
    expect(noteText(note('1', 'ap-east-1', { kind: 'failed' }))).toBe(
      'could not be scanned in ap-east-1',
    );
  });

  it('groups notes by account, regions sorted', () => {
    const grouped = notesByAccount([
      note('211111111111', 'us-east-1', { accountName: 'zeta' }),
      note('111111111111', 'us-east-1', { accountName: 'alpha' }),
      note('111111111111', 'eu-west-1', { accountName: 'alpha' }),
    ]);
    expect(grouped.map((a) => [a.accountName, a.notes.map((n) => n.region)])).toEqual([
      ['alpha', ['eu-west-1', 'us-east-1']],
      ['zeta', ['us-east-1']],
    ]);
  });
});

describe('scan progress', () => {
  it('formats accounts, repositories and the ETA when known', () => {
    expect(
      scanProgressText({ accountsDone: 3, accountsTotal: 7, repositories: 12, etaSecs: 4.2 }),
    ).toBe('accounts 3/7 · 12 repositories · ETA 4 s');
    expect(
      scanProgressText({ accountsDone: 1, accountsTotal: 1480, repositories: 1, etaSecs: null }),
    ).toBe('accounts 1/1,480 · 1 repository');
  });

  it('adds up concurrent scans and keeps the longest ETA', () => {
    expect(combineProgress([])).toBeNull();
    expect(
      combineProgress([
        { accountsDone: 1, accountsTotal: 3, repositories: 5, etaSecs: 2 },
        { accountsDone: 2, accountsTotal: 4, repositories: 7, etaSecs: 9 },
        { accountsDone: 0, accountsTotal: 0, repositories: 0, etaSecs: null },
      ]),
    ).toEqual({ accountsDone: 3, accountsTotal: 7, repositories: 12, etaSecs: 9 });
    expect(
      combineProgress([{ accountsDone: 0, accountsTotal: 2, repositories: 0, etaSecs: null }])
        ?.etaSecs,
    ).toBeNull();
  });
});

describe('clone progress', () => {
  const progress = (over: Partial<CloneProgress>): CloneProgress => ({
    phase: 'receiving',
    receivedObjects: 120,
    totalObjects: 300,
    receivedBytes: 1.2 * 1024 * 1024,
    percent: 40,
    ...over,
  });

  it('names each phase', () => {
    expect(cloneProgressText(null)).toBe('Connecting…');
    expect(cloneProgressText(progress({ phase: 'connecting' }))).toBe('Connecting…');
    expect(cloneProgressText(progress({}))).toBe('Receiving objects 120/300 · 1.2 MiB');
    expect(
      cloneProgressText(progress({ totalObjects: 0, receivedObjects: 7, receivedBytes: 512 })),
    ).toBe('Receiving objects 7 · 512 B');
    expect(cloneProgressText(progress({ phase: 'resolving' }))).toBe('Resolving deltas');
    expect(cloneProgressText(progress({ phase: 'checkout' }))).toBe('Checking out');
  });

  it('clamps and rounds the percentage', () => {
    expect(clonePercent(null)).toBe(0);
    expect(clonePercent(progress({ percent: 39.6 }))).toBe(40);
    expect(clonePercent(progress({ percent: 140 }))).toBe(100);
    expect(clonePercent(progress({ percent: -3 }))).toBe(0);
    expect(clonePercent(progress({ percent: Number.NaN }))).toBe(0);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(640 * 1024)).toBe('640 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});

describe('cloneRequest and errors', () => {
  it('builds the request from the row, into the default folder', () => {
    expect(cloneRequest(LEDGER)).toEqual({
      session: 'acme',
      accountId: '111111111111',
      accountName: 'payments-prod',
      roleName: 'Developer',
      region: 'eu-west-1',
      repository: 'ledger',
      dest: null,
    });
  });

  it('points to the Sessions view for session errors and shows other messages as they are', () => {
    expect(cloneErrorText({ code: 'SessionExpired', message: 'token expired' }, 'acme')).toBe(
      'Your session for acme has expired. Sign in on the Sessions view, then clone again.',
    );
    expect(cloneErrorText({ code: 'NotSignedIn', message: 'x' }, 'acme')).toContain(
      'Sign in on the Sessions view',
    );
    expect(cloneErrorText({ code: 'Unknown', message: 'destination exists' }, 'acme')).toBe(
      'destination exists',
    );
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2024-05-10T12:00:00Z');
  it.each([
    ['2024-05-10T11:59:30Z', 'just now'],
    ['2024-05-10T12:00:30Z', 'just now'],
    ['2024-05-10T11:59:00Z', '1 minute ago'],
    ['2024-05-10T11:15:00Z', '45 minutes ago'],
    ['2024-05-10T09:00:00Z', '3 hours ago'],
    ['2024-05-09T11:00:00Z', '1 day ago'],
    ['2024-05-07T12:00:00Z', '3 days ago'],
    ['2024-03-01T12:00:00Z', '2 months ago'],
    ['2021-05-01T12:00:00Z', '3 years ago'],
    ['not a date', 'not a date'],
  ])('%s → %s', (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });

  it('gives the exact ISO time for titles', () => {
    expect(isoTime('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00.000Z');
    expect(isoTime('garbage')).toBe('garbage');
  });
});
