import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { deferred, inbox, mockShell, pullRequest, status, type Handlers } from '../../test/shell';
import { PULL_REQUESTS_CHANGED_EVENT, SESSIONS_CHANGED_EVENT } from '../api';
import type { Checkout } from '../bindings/Checkout';
import type { IdentityStatus } from '../bindings/IdentityStatus';
import type { Inbox } from '../bindings/Inbox';
import type { Inventory } from '../bindings/Inventory';
import PullRequestsView from './PullRequestsView.svelte';

const HOUR = 3_600_000;

// Newest activity first within a concern, as the inbox orders them.
const SEPA = pullRequest('12', {
  title: 'Add SEPA payouts',
  lastActivityMicros: 3_000,
});
const LEDGER = pullRequest('7', {
  repository: 'ledger',
  title: 'Fix rounding in the ledger',
  author: 'carol',
  accountId: '222222222222',
  accountName: 'acme-dev',
  region: 'us-east-1',
  lastActivityMicros: 2_000,
});
const MINE = pullRequest('31', {
  title: 'Retry webhooks',
  concern: 'mine',
  author: 'alice',
  approvals: 1,
  approvalsNeeded: 2,
  rulesNotSatisfied: ['two-reviewers'],
  canMerge: false,
});
const OTHER = pullRequest('40', {
  title: 'Bump dependencies',
  concern: 'other',
  approvalsNeeded: 0,
  rulesNotSatisfied: [],
  approved: true,
});

const INVENTORY: Inventory = {
  session: 'acme',
  scannedAt: new Date(Date.now() - HOUR).toISOString(),
  regions: ['eu-west-1'],
  repositories: [
    {
      session: 'acme',
      accountId: '111111111111',
      accountName: 'payments-prod',
      roleName: 'Developer',
      region: 'eu-west-1',
      name: 'payments-api',
      description: null,
      defaultBranch: 'main',
      lastModified: null,
      cloneUrlHttp: null,
      arn: null,
    },
  ],
  notes: [],
};

const CHECKOUT: Checkout = {
  path: '/home/dev/src/payments-prod/payments-api',
  branch: 'feature/12',
  commit: '9f8e7d6c5b4a',
  moved: false,
};

/**
 * A shell with `identities`, `cached` inboxes and repositories, and checks that stay in flight
 * until the test settles them (one flight per call, in order).
 */
function shell(
  over: Handlers = {},
  {
    identities = [status('acme', { state: 'signedIn' })],
    cached = [inbox([SEPA, LEDGER, MINE, OTHER])],
    inventories = [INVENTORY],
  }: { identities?: IdentityStatus[]; cached?: Inbox[]; inventories?: Inventory[] } = {},
) {
  const checks: { session: unknown; done: ReturnType<typeof deferred<Inbox>> }[] = [];
  const calls = mockShell({
    list_identities: () => identities,
    cached_pull_requests: () => cached,
    cached_repositories: () => inventories,
    refresh_pull_requests: (args) => {
      const done = deferred<Inbox>();
      checks.push({ session: args.session, done });
      return done.promise;
    },
    approve_pull_request: () => Promise.resolve(inbox([])),
    checkout_pull_request: () => CHECKOUT,
    open_pull_request: () => null,
    ...over,
  });
  return { calls, checks };
}

const rows = () => screen.queryAllByTestId('pr-row').map((r) => r.getAttribute('data-pr'));
const row = (pr: string) => {
  const el = document.querySelector<HTMLElement>(`tr[data-pr="${pr}"]`);
  if (!el) throw new Error(`no row ${pr}`);
  return el;
};
const tab = (id: string) => screen.getByTestId(`pr-tab-${id}`);
const tabText = (id: string) => tab(id).textContent?.replace(/\s+/g, ' ').trim();
const searchInput = () => screen.getByTestId('pr-search') as HTMLInputElement;
const text = (el: HTMLElement) => el.textContent?.replace(/\s+/g, ' ').trim();
const statusText = () => text(screen.getByTestId('pr-status'));
const sent = (calls: { cmd: string; args: unknown }[], cmd: string) =>
  calls.filter((c) => c.cmd === cmd).map((c) => c.args);

const SEPA_ROW = '111111111111/eu-west-1/12';
const LEDGER_ROW = '222222222222/us-east-1/7';
const MINE_ROW = '111111111111/eu-west-1/31';
const OTHER_ROW = '111111111111/eu-west-1/40';

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

describe('Pull requests: listing', () => {
  it('shows the cached inbox at once, then what the check found', async () => {
    const { calls, checks } = shell();
    render(PullRequestsView);

    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));
    await waitFor(() => expect(checks).toHaveLength(1));
    // The check is still out: the cached rows are on screen, and say so.
    expect(sent(calls, 'refresh_pull_requests')).toEqual([{ session: 'acme' }]);
    expect(text(screen.getByTestId('pr-progress'))).toBe('Checking acme…');
    expect((screen.getByTestId('pr-refresh') as HTMLButtonElement).disabled).toBe(true);

    const fresh = pullRequest('13', { title: 'Refund API', lastActivityMicros: 5_000 });
    checks[0]!.done.resolve(inbox([fresh, SEPA, MINE], { checkedAt: new Date().toISOString() }));
    await waitFor(() => expect(rows()).toEqual(['111111111111/eu-west-1/13', SEPA_ROW]));
    expect(text(screen.getByTestId('pr-progress'))).toBe('Up to date');
    expect((screen.getByTestId('pr-refresh') as HTMLButtonElement).disabled).toBe(false);
  });

  it('paints a window’s worth of rows first, then every row', async () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      pullRequest(String(i + 1), { lastActivityMicros: 1_000 - i }),
    );
    shell({}, { cached: [inbox(many)] });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(40));
    expect(tabText('awaiting')).toContain('40');
  });

  it('shows what a row is about: where, who, when, approvals and the user’s part', async () => {
    shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    const sepa = row(SEPA_ROW);
    expect(within(sepa).getByText('Add SEPA payouts')).toBeTruthy();
    expect(text(sepa)).toContain('payments-api · payments-prod · eu-west-1 · #12');
    expect(text(sepa)).toContain('bob · opened 3 days ago · last activity 2 hours ago');
    expect(text(within(sepa).getByTestId('pr-approvals'))).toBe('0/1');
    expect(text(within(sepa).getByTestId('pr-badge'))).toBe('Awaiting you');
    const opened = sepa.querySelector('time')!;
    expect(opened.getAttribute('title')).toBe(SEPA.created);

    await fireEvent.click(tab('all'));
    const mine = row(MINE_ROW);
    expect(text(within(mine).getByTestId('pr-badge'))).toBe('Yours — 1 more approval needed');
    expect(text(within(mine).getByTestId('pr-approvals'))).toBe('1/2');
    expect(within(mine).queryByTestId('pr-approve')).toBeNull();
    expect(text(within(row(OTHER_ROW)).getByTestId('pr-approvals'))).toBe('no rules');
    expect(within(row(OTHER_ROW)).queryByTestId('pr-badge')).toBeNull();
  });

  it('renders titles as text, never as markup', async () => {
    const evil = pullRequest('66', { title: '<img src=x onerror=alert(1)><b>bold</b>' });
    shell({}, { cached: [inbox([evil])] });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(1));

    const r = row('111111111111/eu-west-1/66');
    expect(within(r).getByText('<img src=x onerror=alert(1)><b>bold</b>')).toBeTruthy();
    expect(r.querySelector('img, b')).toBeNull();
  });

  it('takes the inboxes the tray checked in the background', async () => {
    shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));

    const later = inbox([LEDGER], { checkedAt: new Date().toISOString() });
    await waitFor(async () => {
      await emit(PULL_REQUESTS_CHANGED_EVENT, [later]);
      expect(rows()).toEqual([LEDGER_ROW]);
    });
  });

  it('shows the repositories it could not read, quietly', async () => {
    const note = {
      accountId: '333333333333',
      accountName: 'sandbox',
      region: 'eu-west-1',
      kind: 'failed' as const,
      detail: 'AccessDeniedException',
    };
    shell({}, { cached: [inbox([SEPA], { notes: [note] })] });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(1));

    expect(screen.getByTestId('scan-notes').textContent).toContain('sandbox');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('Pull requests: warming up out of sight', () => {
  it('shows the cache but checks nothing, takes no focus and no keys', async () => {
    const { calls } = shell();
    const onready = vi.fn();
    render(PullRequestsView, { active: false, onready });

    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));
    expect(onready).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(document.body);
    await fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(document.body);
    await fireEvent.keyDown(window, { key: 'r', ctrlKey: true });
    await fireEvent.keyDown(window, { key: 'F5' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent(calls, 'refresh_pull_requests')).toEqual([]);
    expect(onready).toHaveBeenCalledTimes(1);
  });
});

describe('Pull requests: tabs and search', () => {
  it('counts and lists by tab, Awaiting me first, and remembers the tab', async () => {
    shell();
    const first = render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    expect(screen.getByRole('tablist').getAttribute('aria-label')).toBe('Pull requests');
    expect(tabText('awaiting')).toBe('Awaiting me 2');
    expect(tabText('mine')).toBe('Mine 1');
    expect(tabText('all')).toBe('All 4');
    expect(tab('awaiting').getAttribute('aria-selected')).toBe('true');
    expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]);

    await fireEvent.click(tab('mine'));
    expect(tab('mine').getAttribute('aria-selected')).toBe('true');
    expect(tab('awaiting').getAttribute('aria-selected')).toBe('false');
    expect(rows()).toEqual([MINE_ROW]);

    await fireEvent.click(tab('all'));
    expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW, MINE_ROW, OTHER_ROW]);

    // The arrow keys move between tabs.
    await fireEvent.keyDown(tab('all'), { key: 'ArrowLeft' });
    expect(tab('mine').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(tab('mine'));

    first.unmount();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toEqual([MINE_ROW]));
    expect(tab('mine').getAttribute('aria-selected')).toBe('true');
  });

  it('filters by title, repository, author, account and id; Escape clears', async () => {
    shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(searchInput().placeholder).toBe('Filter by title, repository, author or account');
    await fireEvent.click(tab('all'));

    const search = async (value: string) => fireEvent.input(searchInput(), { target: { value } });
    await search('SEPA');
    expect(rows()).toEqual([SEPA_ROW]);
    await search('ledger');
    expect(rows()).toEqual([LEDGER_ROW]);
    await search('alice');
    expect(rows()).toEqual([MINE_ROW]);
    await search('acme-dev');
    expect(rows()).toEqual([LEDGER_ROW]);
    await search('2222');
    expect(rows()).toEqual([LEDGER_ROW]);
    await search('40');
    expect(rows()).toEqual([OTHER_ROW]);
    // The counts are of the matches.
    await search('payments-api');
    expect([tabText('awaiting'), tabText('mine'), tabText('all')]).toEqual([
      'Awaiting me 1',
      'Mine 1',
      'All 3',
    ]);
    await search('nothing-like-this');
    expect(rows()).toEqual([]);
    expect(screen.getByText('No pull request matches “nothing-like-this”.')).toBeTruthy();

    await fireEvent.keyDown(searchInput(), { key: 'Escape' });
    expect(searchInput().value).toBe('');
    expect(rows()).toHaveLength(4);
  });

  it('focuses the search box with /', async () => {
    shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    searchInput().blur();

    await fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(searchInput());
  });
});

describe('Pull requests: actions', () => {
  it('approves with the row’s target; the row leaves Awaiting me at once', async () => {
    const approving = deferred<Inbox>();
    const { calls } = shell({ approve_pull_request: () => approving.promise });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));

    await fireEvent.click(within(row(SEPA_ROW)).getByTestId('pr-approve'));
    expect(sent(calls, 'approve_pull_request')).toEqual([
      {
        target: { session: 'acme', accountId: '111111111111', region: 'eu-west-1', id: '12' },
        revoke: false,
      },
    ]);
    const button = within(row(SEPA_ROW)).getByTestId('pr-approve') as HTMLButtonElement;
    await waitFor(() => expect(text(button)).toBe('Approving…'));
    expect(button.disabled).toBe(true);
    expect((within(row(LEDGER_ROW)).getByTestId('pr-approve') as HTMLButtonElement).disabled).toBe(
      false,
    );

    const approved = { ...SEPA, concern: 'approvedByMe' as const, approvedByMe: true };
    approving.resolve(
      inbox([LEDGER, approved, MINE, OTHER], { checkedAt: new Date().toISOString() }),
    );
    await waitFor(() => expect(rows()).toEqual([LEDGER_ROW]));
    expect(statusText()).toBe('Approved payments-api #12');
    expect(tabText('awaiting')).toBe('Awaiting me 1');

    // On All it offers to revoke.
    await fireEvent.click(tab('all'));
    expect(text(within(row(SEPA_ROW)).getByTestId('pr-badge'))).toBe('Approved by you');
    await fireEvent.click(within(row(SEPA_ROW)).getByTestId('pr-revoke'));
    expect(sent(calls, 'approve_pull_request')[1]).toEqual({
      target: { session: 'acme', accountId: '111111111111', region: 'eu-west-1', id: '12' },
      revoke: true,
    });
  });

  it('checks out and says where', async () => {
    const checkingOut = deferred<Checkout>();
    const { calls } = shell({ checkout_pull_request: () => checkingOut.promise });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row(LEDGER_ROW)).getByTestId('pr-checkout'));
    const button = within(row(LEDGER_ROW)).getByTestId('pr-checkout') as HTMLButtonElement;
    await waitFor(() => expect(text(button)).toBe('Checking out…'));
    expect(button.disabled).toBe(true);
    expect(sent(calls, 'checkout_pull_request')).toEqual([
      { target: { session: 'acme', accountId: '222222222222', region: 'us-east-1', id: '7' } },
    ]);

    checkingOut.resolve(CHECKOUT);
    await waitFor(() =>
      expect(statusText()).toBe(
        'Checked out feature/12 in /home/dev/src/payments-prod/payments-api (commit 9f8e7d6)',
      ),
    );
    expect(text(button)).toBe('Check out');
    expect(button.disabled).toBe(false);
  });

  it('opens the console on the pull request', async () => {
    const { calls } = shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row(SEPA_ROW)).getByTestId('pr-open'));
    await waitFor(() => expect(statusText()).toBe('Opened payments-api #12 in the AWS console'));
    expect(sent(calls, 'open_pull_request')).toEqual([
      { target: { session: 'acme', accountId: '111111111111', region: 'eu-west-1', id: '12' } },
    ]);
  });

  it('shows why an action failed, and keeps every row', async () => {
    shell({
      approve_pull_request: () =>
        Promise.reject({
          code: 'Aws',
          message: 'payments-api #12 has new commits since Lanyard last looked; refresh the list',
        }),
    });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row(SEPA_ROW)).getByTestId('pr-approve'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not approve payments-api #12');
    expect(alert.textContent).toContain('has new commits since Lanyard last looked');
    expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]);
    expect(text(within(row(SEPA_ROW)).getByTestId('pr-approve'))).toBe('Approve');
    expect(statusText()).toBe('');
  });

  it('moves with the arrow keys, approves with a, checks out with c, opens with Enter', async () => {
    const { calls } = shell({
      approve_pull_request: () =>
        Promise.resolve(inbox([SEPA, MINE, OTHER], { checkedAt: new Date().toISOString() })),
    });
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));

    // From the search box, ArrowDown enters the list.
    searchInput().focus();
    await fireEvent.keyDown(searchInput(), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row(SEPA_ROW));
    expect(row(SEPA_ROW).getAttribute('aria-selected')).toBe('true');

    await fireEvent.keyDown(row(SEPA_ROW), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row(LEDGER_ROW));
    expect(row(LEDGER_ROW).getAttribute('aria-selected')).toBe('true');
    expect(row(SEPA_ROW).getAttribute('aria-selected')).toBe('false');
    expect(row(LEDGER_ROW).tabIndex).toBe(0);
    expect(row(SEPA_ROW).tabIndex).toBe(-1);

    const target = { session: 'acme', accountId: '222222222222', region: 'us-east-1', id: '7' };
    await fireEvent.keyDown(row(LEDGER_ROW), { key: 'c' });
    expect(sent(calls, 'checkout_pull_request')).toEqual([{ target }]);
    await waitFor(() => expect(statusText()).toMatch(/^Checked out feature\/12 in /));
    await fireEvent.keyDown(row(LEDGER_ROW), { key: 'Enter' });
    expect(sent(calls, 'open_pull_request')).toEqual([{ target }]);
    await waitFor(() => expect(statusText()).toBe('Opened ledger #7 in the AWS console'));

    await fireEvent.keyDown(row(LEDGER_ROW), { key: 'a' });
    expect(sent(calls, 'approve_pull_request')).toEqual([{ target, revoke: false }]);
    // Approved, it leaves; the row in its place has the keyboard.
    await waitFor(() => expect(rows()).toEqual([SEPA_ROW]));
    await waitFor(() => expect(document.activeElement).toBe(row(SEPA_ROW)));
    expect(statusText()).toBe('Approved ledger #7');
  });

  it('does not approve with a where approving is not offered', async () => {
    const { calls } = shell();
    render(PullRequestsView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    await fireEvent.click(tab('mine'));

    row(MINE_ROW).focus();
    await fireEvent.keyDown(row(MINE_ROW), { key: 'a' });
    expect(sent(calls, 'approve_pull_request')).toEqual([]);
    expect(screen.getByTestId('pr-keys').textContent).toContain('approve');
  });
});

describe('Pull requests: checks and empty states', () => {
  it('shows a failed check with Retry and keeps the other identity’s rows', async () => {
    const { checks } = shell(
      {},
      {
        identities: [status('acme', { state: 'signedIn' }), status('beta', { state: 'expiring' })],
      },
    );
    render(PullRequestsView);
    await waitFor(() => expect(checks).toHaveLength(2));
    expect(screen.getAllByTestId('pr-checking').map((li) => text(li))).toEqual([
      'Checking acme…',
      'Checking beta…',
    ]);

    const beta = checks.find((c) => c.session === 'beta')!;
    beta.done.reject({
      code: 'Unreachable',
      message: 'codecommit.eu-west-1.amazonaws.com unreachable',
    });
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('Could not check the pull requests of beta');
    expect(banner.textContent).toContain('codecommit.eu-west-1.amazonaws.com unreachable');
    expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]);
    expect(text(screen.getByTestId('pr-progress'))).toBe('Checking acme…');

    await fireEvent.click(within(banner).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(checks).toHaveLength(3));
    expect(checks[2]!.session).toBe('beta');
  });

  it('asks for a new sign-in when a check finds the session expired', async () => {
    const { checks } = shell();
    render(PullRequestsView);
    await waitFor(() => expect(checks).toHaveLength(1));

    checks[0]!.done.reject({ code: 'SessionExpired', message: 'token expired' });
    const hint = await screen.findByTestId('sign-in-hint');
    expect(text(hint)).toContain('acme needs a new sign-in');
    expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]);

    // Signed in again (e.g. from the tray): checked again.
    await waitFor(async () => {
      await emit(SESSIONS_CHANGED_EVENT, [status('acme', { state: 'signedIn' })]);
      expect(checks).toHaveLength(2);
    });
  });

  it('asks to sign in when no identity is signed in and nothing is cached', async () => {
    const { calls } = shell({}, { identities: [status('acme')], cached: [] });
    const onnavigate = vi.fn();
    render(PullRequestsView, { onnavigate });

    expect(await screen.findByText('Sign in to see pull requests')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('go-sessions'));
    expect(onnavigate).toHaveBeenCalledWith('sessions');
    expect(calls.some((c) => c.cmd === 'refresh_pull_requests')).toBe(false);
  });

  it('keeps showing the cached rows with a sign-in hint when signed out', async () => {
    const { calls } = shell({}, { identities: [status('acme')] });
    render(PullRequestsView);

    await waitFor(() => expect(rows()).toEqual([SEPA_ROW, LEDGER_ROW]));
    expect(text(screen.getByTestId('sign-in-hint'))).toContain('You are not signed in');
    expect(text(screen.getByTestId('pr-progress'))).toBe('Checked 1 hour ago');
    expect(calls.some((c) => c.cmd === 'refresh_pull_requests')).toBe(false);
  });

  it('points to Repositories when no repository was scanned', async () => {
    const { checks } = shell({}, { cached: [], inventories: [] });
    const onnavigate = vi.fn();
    render(PullRequestsView, { onnavigate });
    await waitFor(() => expect(checks).toHaveLength(1));
    expect(screen.getByText('Looking for pull requests…')).toBeTruthy();

    checks[0]!.done.resolve(inbox([], { checkedAt: new Date().toISOString() }));
    expect(await screen.findByText('No repositories scanned yet')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('go-repositories'));
    expect(onnavigate).toHaveBeenCalledWith('repositories');
  });

  it('says what each empty tab means', async () => {
    const { checks } = shell({}, { cached: [inbox([OTHER])] });
    render(PullRequestsView);
    await waitFor(() => expect(checks).toHaveLength(1));
    checks[0]!.done.resolve(inbox([OTHER], { checkedAt: new Date().toISOString() }));

    expect(await screen.findByText('Nothing waits for you')).toBeTruthy();
    await fireEvent.click(tab('mine'));
    expect(screen.getByText('You have no open pull requests')).toBeTruthy();
    await fireEvent.click(tab('all'));
    expect(rows()).toEqual([OTHER_ROW]);

    await waitFor(async () => {
      await emit(PULL_REQUESTS_CHANGED_EVENT, [inbox([], { checkedAt: new Date().toISOString() })]);
      expect(screen.getByText('No open pull requests')).toBeTruthy();
    });
  });
});
