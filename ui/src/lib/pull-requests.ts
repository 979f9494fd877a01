// Pure helpers for the Pull requests view: the tabs, search, order and the texts of a row.
// No Tauri here, so they are easy to test.

import type { Checkout } from './bindings/Checkout';
import type { Concern } from './bindings/Concern';
import type { Inbox } from './bindings/Inbox';
import type { PullRequest } from './bindings/PullRequest';
import type { PullRequestRef } from './bindings/PullRequestRef';

/** The tabs, in order: what waits for the user's approval, the user's own, every open one. */
export const TABS = ['awaiting', 'mine', 'all'] as const;

export type Tab = (typeof TABS)[number];

export const TAB_LABELS: Record<Tab, string> = {
  awaiting: 'Awaiting me',
  mine: 'Mine',
  all: 'All',
};

export function isTab(value: unknown): value is Tab {
  return typeof value === 'string' && (TABS as readonly string[]).includes(value);
}

/** Whether `p` is listed on `tab` (All lists every open pull request, whatever its concern). */
export function onTab(p: PullRequest, tab: Tab): boolean {
  return tab === 'all' || p.concern === tab;
}

/** What a row's buttons (and keys) do; one runs at a time per row. */
export type PrAction = 'approve' | 'revoke' | 'checkout' | 'open';

/** A row's identity: the same pull request seen through two identities is two rows. */
export function prKey(p: PullRequest): string {
  return [p.session, p.accountId, p.region, p.id].join('/');
}

/** How the commands name `p`. */
export function prRef(p: PullRequest): PullRequestRef {
  return { session: p.session, accountId: p.accountId, region: p.region, id: p.id };
}

/** "payments-api #12". */
export function prLabel(p: PullRequest): string {
  return `${p.repository} #${p.id}`;
}

const words = (query: string) => query.toLowerCase().split(/\s+/).filter(Boolean);

function haystack(p: PullRequest): string {
  return [p.title, p.repository, p.author, p.accountName, p.accountId, p.id, `#${p.id}`]
    .join('\n')
    .toLowerCase();
}

/**
 * Pull requests where every word of `query` appears (case-insensitively) in the title,
 * repository, author, account name, account id or id ("#12" too). An empty query keeps all.
 */
export function filterPullRequests(list: readonly PullRequest[], query: string): PullRequest[] {
  const needles = words(query);
  if (needles.length === 0) return list.slice();
  return list.filter((p) => {
    const text = haystack(p);
    return needles.every((w) => text.includes(w));
  });
}

const CONCERN_ORDER: Record<Concern, number> = { awaiting: 0, mine: 1, approvedByMe: 2, other: 3 };

/** Every inbox's pull requests in one list, ordered as each inbox is: awaiting first, then newest activity. */
export function combineInboxes(inboxes: readonly Inbox[]): PullRequest[] {
  return inboxes
    .flatMap((inbox) => inbox.pullRequests)
    .sort(
      (a, b) =>
        CONCERN_ORDER[a.concern] - CONCERN_ORDER[b.concern] ||
        b.lastActivityMicros - a.lastActivityMicros,
    );
}

/**
 * `current` with each of `incoming` taking its identity's place unless the one there was checked
 * later (a background check's snapshot must not undo an approval shown a moment ago). Never mutates.
 */
export function mergeInboxes(
  current: Readonly<Record<string, Inbox>>,
  incoming: readonly Inbox[],
): Record<string, Inbox> {
  const next = { ...current };
  for (const inbox of incoming) {
    const held = next[inbox.session];
    if (!held || !(Date.parse(held.checkedAt) > Date.parse(inbox.checkedAt))) {
      next[inbox.session] = inbox;
    }
  }
  return next;
}

/** "2/3", or "no rules" when no approval rule applies. */
export function approvalsText(p: PullRequest): string {
  return p.approvalsNeeded === 0 ? 'no rules' : `${p.approvals}/${p.approvalsNeeded}`;
}

/** What a row's badge says about the user's part in it; null for others' pull requests. */
export function badgeText(p: PullRequest): string | null {
  switch (p.concern) {
    case 'awaiting':
      return 'Awaiting you';
    case 'approvedByMe':
      return 'Approved by you';
    case 'other':
      return null;
    case 'mine': {
      if (p.canMerge) return 'Yours — can merge';
      const missing = p.approvalsNeeded - p.approvals;
      if (!p.approved && p.rulesNotSatisfied.length > 0 && missing > 0) {
        return `Yours — ${missing} more ${missing === 1 ? 'approval' : 'approvals'} needed`;
      }
      // Approved, yet git cannot merge it (e.g. conflicts), or rules not met by counting alone.
      return p.approved ? 'Yours — approved, cannot merge yet' : 'Yours — not approved yet';
    }
  }
}

/** "Checked out feature/x in /src/payments-api (commit 1a2b3c4)", and whether it moved. */
export function checkoutText(c: Checkout): string {
  const text = `Checked out ${c.branch} in ${c.path} (commit ${c.commit.slice(0, 7)})`;
  return c.moved ? `${text}; it has commits pushed since Lanyard last looked` : text;
}
