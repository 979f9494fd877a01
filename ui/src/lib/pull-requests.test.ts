import { describe, expect, it } from 'vitest';

import { inbox, pullRequest } from '../test/shell';
import {
  approvalsText,
  badgeText,
  checkoutText,
  combineInboxes,
  filterPullRequests,
  isTab,
  mergeInboxes,
  onTab,
  prKey,
  prLabel,
  prRef,
} from './pull-requests';

const AT = (micros: number) => ({ lastActivityMicros: micros });

describe('tabs', () => {
  it('lists by concern on Awaiting me and Mine, and everything on All', () => {
    const awaiting = pullRequest('1');
    const mine = pullRequest('2', { concern: 'mine' });
    const approved = pullRequest('3', { concern: 'approvedByMe' });
    const other = pullRequest('4', { concern: 'other' });
    const all = [awaiting, mine, approved, other];
    expect(all.filter((p) => onTab(p, 'awaiting'))).toEqual([awaiting]);
    expect(all.filter((p) => onTab(p, 'mine'))).toEqual([mine]);
    expect(all.filter((p) => onTab(p, 'all'))).toEqual(all);
  });

  it('knows its tab ids', () => {
    expect(['awaiting', 'mine', 'all', 'other', 3].map(isTab)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('naming', () => {
  it('keys by identity, account, region and id; refs drop the rest', () => {
    const p = pullRequest('12');
    expect(prKey(p)).toBe('acme/111111111111/eu-west-1/12');
    expect(prKey({ ...p, session: 'beta' })).not.toBe(prKey(p));
    expect(prRef(p)).toEqual({
      session: 'acme',
      accountId: '111111111111',
      region: 'eu-west-1',
      id: '12',
    });
    expect(prLabel(p)).toBe('payments-api #12');
  });
});

describe('filterPullRequests', () => {
  const list = [
    pullRequest('1', { title: 'Add SEPA payouts' }),
    pullRequest('2', { repository: 'ledger', author: 'carol' }),
    pullRequest('31', { accountId: '222222222222', accountName: 'acme-dev' }),
  ];
  const ids = (query: string) => filterPullRequests(list, query).map((p) => p.id);

  it('matches every word in title, repository, author, account and id, ignoring case', () => {
    expect(ids('')).toEqual(['1', '2', '31']);
    expect(ids('sepa')).toEqual(['1']);
    expect(ids('LEDGER')).toEqual(['2']);
    expect(ids('carol')).toEqual(['2']);
    expect(ids('acme-dev')).toEqual(['31']);
    expect(ids('222222')).toEqual(['31']);
    expect(ids('#31')).toEqual(['31']);
    expect(ids('payments-api payouts')).toEqual(['1']);
    expect(ids('nothing-like-this')).toEqual([]);
  });
});

describe('combineInboxes', () => {
  it('puts what awaits the user first, then the newest activity', () => {
    const a = inbox([pullRequest('1', { concern: 'other', ...AT(9) }), pullRequest('2', AT(1))]);
    const b = inbox([pullRequest('3', { concern: 'mine', ...AT(5) }), pullRequest('4', AT(3))], {
      session: 'beta',
    });
    expect(combineInboxes([a, b]).map((p) => p.id)).toEqual(['4', '2', '3', '1']);
  });
});

describe('mergeInboxes', () => {
  it('takes each identity’s inbox unless the one held was checked later', () => {
    const held = inbox([pullRequest('1')], { checkedAt: '2024-05-01T10:05:00Z' });
    const older = inbox([], { checkedAt: '2024-05-01T10:00:00Z' });
    const newer = inbox([], { checkedAt: '2024-05-01T10:10:00Z' });
    const beta = inbox([], { session: 'beta', checkedAt: '2024-05-01T09:00:00Z' });
    const current = { acme: held };

    expect(mergeInboxes(current, [older, beta])).toEqual({ acme: held, beta });
    expect(mergeInboxes(current, [newer])).toEqual({ acme: newer });
    expect(current).toEqual({ acme: held });
  });
});

describe('row texts', () => {
  it('shows approvals as x/y, or no rules', () => {
    expect(approvalsText(pullRequest('1', { approvals: 1, approvalsNeeded: 2 }))).toBe('1/2');
    expect(approvalsText(pullRequest('1', { approvals: 0, approvalsNeeded: 0 }))).toBe('no rules');
  });

  it('says what the user has to do with it', () => {
    const mine = (over: Parameters<typeof pullRequest>[1]) =>
      badgeText(pullRequest('1', { concern: 'mine', ...over }));
    expect(badgeText(pullRequest('1'))).toBe('Awaiting you');
    expect(badgeText(pullRequest('1', { concern: 'approvedByMe' }))).toBe('Approved by you');
    expect(badgeText(pullRequest('1', { concern: 'other' }))).toBeNull();
    expect(mine({ approved: true, rulesNotSatisfied: [], approvals: 1, canMerge: true })).toBe(
      'Yours — can merge',
    );
    expect(mine({ approvals: 0, approvalsNeeded: 1, canMerge: false })).toBe(
      'Yours — 1 more approval needed',
    );
    expect(mine({ approvals: 1, approvalsNeeded: 3, canMerge: false })).toBe(
      'Yours — 2 more approvals needed',
    );
    expect(mine({ approved: true, rulesNotSatisfied: [], approvals: 1, canMerge: false })).toBe(
      'Yours — approved, cannot merge yet',
    );
  });

  it('says where a checkout went, and when the branch moved', () => {
    const c = {
      path: '/src/payments-api',
      branch: 'feature/x',
      commit: '1a2b3c4d5e6f',
      moved: false,
    };
    expect(checkoutText(c)).toBe('Checked out feature/x in /src/payments-api (commit 1a2b3c4)');
    expect(checkoutText({ ...c, moved: true })).toBe(
      'Checked out feature/x in /src/payments-api (commit 1a2b3c4); it has commits pushed since Lanyard last looked',
    );
  });
});
