import { describe, expect, it } from 'vitest';

import { merge, progressText, search, searchable } from './accounts';
import type { AccountRoles } from './bindings/AccountRoles';

const acc = (
  accountId: string,
  accountName: string,
  roles: string[] = ['ReadOnly'],
): AccountRoles => ({
  accountId,
  accountName,
  email: `${accountName}@example.com`,
  roles,
});

const ITEMS = [
  acc('111111111111', 'payments-prod', ['AdministratorAccess']),
  acc('222222222222', 'payments-dev'),
  acc('333333333333', 'Data Lake', ['DataScientist']),
].map(searchable);

const names = (list: AccountRoles[]) => list.map((a) => a.accountName);

describe('search', () => {
  it('keeps everything for an empty query', () => {
    expect(names(search(ITEMS, '  '))).toEqual(['payments-prod', 'payments-dev', 'Data Lake']);
  });

  it('matches name, id, email and roles case-insensitively', () => {
    expect(names(search(ITEMS, 'DATA'))).toEqual(['Data Lake']);
    expect(names(search(ITEMS, '2222'))).toEqual(['payments-dev']);
    expect(names(search(ITEMS, 'administrator'))).toEqual(['payments-prod']);
    expect(names(search(ITEMS, 'dev@example'))).toEqual(['payments-dev']);
  });

  it('matches subsequences, verbatim matches first, and needs every word', () => {
    expect(names(search(ITEMS, 'pymprd'))).toEqual(['payments-prod']);
    expect(names(search(ITEMS, 'payments dev'))).toEqual(['payments-dev']);
    expect(names(search(ITEMS, 'dev'))).toEqual(['payments-dev']);
    expect(names(search(ITEMS, 'zzz'))).toEqual([]);
  });
});

describe('merge', () => {
  it('replaces an account of the same id and appends new ones, without mutating', () => {
    const before = ITEMS.slice(0, 2);
    const updated = merge(before, acc('111111111111', 'payments-prod', ['Admin', 'Billing']));
    expect(updated.map((s) => s.account.roles)).toEqual([['Admin', 'Billing'], ['ReadOnly']]);
    expect(before[0]!.account.roles).toEqual(['AdministratorAccess']);
    expect(names(search(updated, 'billing'))).toEqual(['payments-prod']);
    expect(names(merge(before, acc('444444444444', 'new')).map((s) => s.account))).toEqual([
      'payments-prod',
      'payments-dev',
      'new',
    ]);
  });
});

describe('progressText', () => {
  it('formats counts with thousands separators and the ETA when known', () => {
    expect(
      progressText({
        accountsDone: 312,
        accountsTotal: 1480,
        listingComplete: true,
        throttled: 0,
        etaSecs: 40,
      }),
    ).toBe('accounts 312/1,480, ETA 40 s');
    expect(
      progressText({
        accountsDone: 3,
        accountsTotal: 1000,
        listingComplete: false,
        throttled: 2,
        etaSecs: null,
      }),
    ).toBe('accounts 3/1,000');
  });
});
