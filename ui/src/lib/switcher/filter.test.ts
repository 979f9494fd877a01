import { describe, expect, it } from 'vitest';

import { profile } from '../../test/switcher-entries';
import type { SwitcherEntry } from '../bindings/SwitcherEntry';
import { filterEntries, indexEntries, terms } from './filter';

const repo = (title: string, over: Partial<SwitcherEntry> = {}): SwitcherEntry =>
  profile(title, { kind: 'repository', key: `repo:${title}`, ...over });

const titles = (entries: SwitcherEntry[]) => entries.map((e) => e.title);

describe('terms', () => {
  it('lower-cases and splits on any whitespace', () => {
    expect(terms('  Prod\tDEV  ')).toEqual(['prod', 'dev']);
    expect(terms('   ')).toEqual([]);
  });
});

describe('filterEntries: matching', () => {
  const ENTRIES = indexEntries([
    profile('payments-prod-Developer'),
    profile('data-lake-ReadOnly', {
      accountId: '333333333333',
      accountName: 'data-lake',
      roleName: 'ReadOnly',
      region: null,
    }),
    repo('ledger', { region: 'us-east-1' }),
  ]);

  it('matches any field, case-insensitively', () => {
    expect(titles(filterEntries(ENTRIES, 'LEDGER'))).toEqual(['ledger']);
    expect(titles(filterEntries(ENTRIES, '3333'))).toEqual(['data-lake-ReadOnly']);
    expect(titles(filterEntries(ENTRIES, 'readonly'))).toEqual(['data-lake-ReadOnly']);
    expect(titles(filterEntries(ENTRIES, 'US-EAST'))).toEqual(['ledger']);
    expect(titles(filterEntries(ENTRIES, 'repository'))).toEqual(['ledger']);
    const pr = profile('Fix rounding', {
      kind: 'pullRequest',
      key: 'pr:1',
      detail: 'ledger #7 by bob · awaiting your approval',
    });
    const withPr = indexEntries([pr]);
    expect(titles(filterEntries(withPr, 'bob'))).toEqual(['Fix rounding']);
    expect(titles(filterEntries(withPr, 'pull request awaiting'))).toEqual(['Fix rounding']);
    expect(titles(filterEntries(withPr, 'pullrequest'))).toEqual([]);
    expect(titles(filterEntries(ENTRIES, 'payments'))).toEqual([
      'payments-prod-Developer',
      'ledger',
    ]);
  });

  it('requires every term, in any field and any order', () => {
    expect(titles(filterEntries(ENTRIES, 'developer profile'))).toEqual([
      'payments-prod-Developer',
    ]);
    expect(titles(filterEntries(ENTRIES, 'us-east-1 payments'))).toEqual(['ledger']);
    expect(titles(filterEntries(ENTRIES, 'payments nope'))).toEqual([]);
  });

  it('does not match across field boundaries', () => {
    // title "ledger" + account name "payments-prod" must not read as "ledgerpayments".
    expect(filterEntries(ENTRIES, 'ledgerpayments')).toEqual([]);
  });

  it('keeps everything for an empty query', () => {
    expect(titles(filterEntries(ENTRIES, '  '))).toEqual([
      'payments-prod-Developer',
      'data-lake-ReadOnly',
      'ledger',
    ]);
  });
});

describe('filterEntries: ranking', () => {
  it('puts favourites first, then title prefix matches, keeping the list order within each', () => {
    const items = indexEntries([
      profile('a-prod', { accountName: 'x' }),
      profile('prod-b', { accountName: 'x' }),
      profile('c-prod', { accountName: 'x', favourite: true }),
      profile('prod-d', { accountName: 'x', favourite: true }),
      profile('prod-e', { accountName: 'x' }),
      profile('f-prod', { accountName: 'x' }),
    ]);
    expect(titles(filterEntries(items, 'prod'))).toEqual([
      'prod-d',
      'c-prod',
      'prod-b',
      'prod-e',
      'a-prod',
      'f-prod',
    ]);
  });

  it('counts a prefix match of any term', () => {
    const items = indexEntries([
      repo('api', { accountName: 'ledger-prod' }),
      repo('ledger', { accountName: 'x-prod' }),
    ]);
    expect(titles(filterEntries(items, 'prod ledger'))).toEqual(['ledger', 'api']);
  });

  it('puts favourites first for an empty query too', () => {
    const items = indexEntries([
      profile('one'),
      profile('two', { favourite: true }),
      profile('three'),
    ]);
    expect(titles(filterEntries(items, ''))).toEqual(['two', 'one', 'three']);
  });
});

describe('filterEntries: 5,000 entries', () => {
  const many = Array.from({ length: 5000 }, (_, i) =>
    i % 2 === 0
      ? profile(`acct-${i}-Developer`, {
          key: `p${i}`,
          accountId: String(100000000000 + i),
          accountName: `acct-${i}`,
          favourite: i % 1000 === 0,
        })
      : repo(`repo-${i}`, {
          key: `r${i}`,
          accountId: String(100000000000 + i),
          accountName: `acct-${i}`,
        }),
  );
  const items = indexEntries(many);

  it('filters and ranks correctly', () => {
    expect(filterEntries(items, '').length).toBe(5000);
    expect(titles(filterEntries(items, 'acct-4242 '))).toEqual(['acct-4242-Developer']);
    expect(titles(filterEntries(items, 'repo 100000004243'))).toEqual(['repo-4243']);

    const devs = filterEntries(items, 'developer profile');
    expect(devs.length).toBe(2500);
    expect(devs.slice(0, 5).map((e) => e.key)).toEqual(['p0', 'p1000', 'p2000', 'p3000', 'p4000']);
    expect(devs[5]!.key).toBe('p2');

    const repos = filterEntries(items, 'repo-');
    expect(repos.length).toBe(2500);
    expect(repos.every((e) => e.kind === 'repository')).toBe(true);
  });
});
