import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell, status, type Handlers } from '../../test/shell';
import { SESSIONS_CHANGED_EVENT } from '../api';
import type { CloneProgress } from '../bindings/CloneProgress';
import type { CloneReport } from '../bindings/CloneReport';
import type { CloneRequest } from '../bindings/CloneRequest';
import type { IdentityStatus } from '../bindings/IdentityStatus';
import type { Inventory } from '../bindings/Inventory';
import type { InventoryEvent } from '../bindings/InventoryEvent';
import type { Repository } from '../bindings/Repository';
import type { ScanNote } from '../bindings/ScanNote';
import { clones } from '../clones.svelte';
import RepositoriesView from './RepositoriesView.svelte';

const DAY = 86_400_000;

const repo = (name: string, over: Partial<Repository> = {}): Repository => ({
  session: 'acme',
  accountId: '111111111111',
  accountName: 'payments-prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  name,
  description: null,
  defaultBranch: 'main',
  lastModified: new Date(Date.now() - 3 * DAY).toISOString(),
  cloneUrlHttp: `https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/${name}`,
  arn: null,
  ...over,
});

const LEDGER = repo('ledger', { description: 'Double-entry ledger <EU data residency>' });
const API = repo('payments-api', {
  region: 'us-east-1',
  description: 'Public REST API & webhooks',
});
const WEB = repo('web', {
  accountId: '222222222222',
  accountName: 'acme-dev',
  roleName: 'ReadOnly',
});
const INFRA = repo('infra', {
  accountId: '222222222222',
  accountName: 'acme-dev',
  defaultBranch: null,
});

const NOTE: ScanNote = {
  accountId: '333333333333',
  accountName: 'sandbox',
  region: null,
  kind: 'accessDenied',
  detail: 'AccessDeniedException',
};

const inventory = (repositories: Repository[], over: Partial<Inventory> = {}): Inventory => ({
  session: 'acme',
  scannedAt: new Date(Date.now() - 2 * DAY).toISOString(),
  regions: ['eu-west-1', 'us-east-1'],
  repositories,
  notes: [],
  ...over,
});

const REPORT: CloneReport = {
  path: '/home/dev/src/ledger',
  remoteUrl: 'codecommit::eu-west-1://payments-prod-Developer@ledger',
  profile: 'payments-prod-Developer',
  profileWritten: true,
  branch: 'main',
};

type Flight<T, M> = {
  end?: ChannelEnd<M>;
  done: ReturnType<typeof deferred<T>>;
  args?: Record<string, unknown>;
};

/**
 * A shell with `identities`, `cached` inventories, and scans and clones that stay in flight until
 * the test settles them.
 */
function shell(
  over: Handlers = {},
  {
    identities = [status('acme', { state: 'signedIn' })],
    cached = [inventory([LEDGER, WEB])],
  }: {
    identities?: IdentityStatus[];
    cached?: Inventory[];
  } = {},
) {
  const scan: Flight<Inventory, InventoryEvent> = { done: deferred<Inventory>() };
  const clone: Flight<CloneReport, CloneProgress> = { done: deferred<CloneReport>() };
  const calls = mockShell({
    list_identities: () => identities,
    cached_repositories: () => cached,
    scan_repositories: (args) => {
      scan.end = ChannelEnd.of<InventoryEvent>(args.onEvent);
      return scan.done.promise;
    },
    clone_repository: (args) => {
      clone.args = args;
      clone.end = ChannelEnd.of<CloneProgress>(args.onProgress);
      return clone.done.promise;
    },
    cancel_clone: () => null,
    open_folder: () => null,
    copy_text: () => null,
    recent_clones: () => [],
    helper_status: () => ({ resolved: null, isLanyard: true, link: null, note: null }),
    ...over,
  });
  return { calls, scan, clone };
}

const rows = () => screen.queryAllByTestId('repo-row').map((r) => r.getAttribute('data-repo'));
const row = (name: string) => {
  const el = document.querySelector<HTMLElement>(`tr[data-repo="${name}"]`);
  if (!el) throw new Error(`no row ${name}`);
  return el;
};
const searchInput = () => document.getElementById('repo-search') as HTMLInputElement;
const progressText = () =>
  screen.getByTestId('scan-progress').textContent?.replace(/\s+/g, ' ').trim();

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
  clones.reset();
});

describe('Repositories: listing', () => {
  it('shows the cached rows at once, streams scanned ones in, then replaces them with the scan', async () => {
    const { calls, scan } = shell();
    render(RepositoriesView);

    await waitFor(() => expect(rows()).toEqual(['web', 'ledger']));
    await waitFor(() => expect(scan.end).toBeDefined());
    expect(calls.filter((c) => c.cmd === 'scan_repositories').map((c) => c.args.session)).toEqual([
      'acme',
    ]);
    expect(progressText()).toBe('Scanning your accounts…');

    scan.end!.send({
      repositories: [API],
      notes: [],
      progress: { accountsDone: 3, accountsTotal: 7, repositories: 12, etaSecs: 4 },
    });
    await waitFor(() => expect(rows()).toEqual(['web', 'ledger', 'payments-api']));
    expect(progressText()).toBe('accounts 3/7 · 12 repositories · ETA 4 s');

    // The finished scan is the truth: "web" is gone, "infra" is new.
    scan.done.resolve(inventory([LEDGER, API, INFRA], { scannedAt: new Date().toISOString() }));
    await waitFor(() => expect(rows()).toEqual(['infra', 'ledger', 'payments-api']));
    expect(progressText()).toBe('Up to date');
  });

  it('groups by account and shows region, branch, relative time and role', async () => {
    shell({}, { cached: [inventory([API, LEDGER, WEB, INFRA])] });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toEqual(['infra', 'web', 'ledger', 'payments-api']));

    const groups = screen
      .getAllByRole('rowgroup')
      .filter((g) => g.dataset.testid?.startsWith('repo-group-'));
    expect(groups.map((g) => g.querySelector('.account')?.textContent)).toEqual([
      'acme-dev · 222222222222',
      'payments-prod · 111111111111',
    ]);

    const api = row('payments-api');
    expect(within(api).getByText('us-east-1')).toBeTruthy();
    expect(within(api).getByText('main')).toBeTruthy();
    expect(within(api).getByText('Developer')).toBeTruthy();
    const time = api.querySelector('time')!;
    expect(time.textContent?.trim()).toBe('3 days ago');
    expect(time.getAttribute('title')).toBe(API.lastModified);
    expect(within(row('infra')).getByText('—')).toBeTruthy();
  });

  it('shows accounts without access quietly, never as an alert', async () => {
    const partial: ScanNote = {
      ...NOTE,
      accountId: '111111111111',
      accountName: 'payments-prod',
      region: 'us-east-1',
    };
    shell({}, { cached: [inventory([LEDGER], { notes: [NOTE, partial] })] });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toEqual(['ledger']));

    expect(screen.getByTestId('group-notes').textContent?.trim()).toBe(
      'no CodeCommit access in us-east-1',
    );
    const footer = screen.getByTestId('scan-notes');
    expect(footer.tagName).toBe('DETAILS');
    expect(footer.querySelector('summary')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      '1 account without CodeCommit access',
    );
    expect(footer.textContent).toContain('sandbox');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('renders descriptions as text, never as markup', async () => {
    const evil = repo('evil', { description: '<script>alert(1)</script><b>bold</b>' });
    shell({}, { cached: [inventory([LEDGER, API, evil])] });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(3));

    expect(within(row('evil')).getByText('<script>alert(1)</script><b>bold</b>')).toBeTruthy();
    expect(row('evil').querySelector('script, b')).toBeNull();
    expect(document.querySelector('script')).toBeNull();
    expect(within(row('ledger')).getByText('Double-entry ledger <EU data residency>')).toBeTruthy();
    expect(within(row('payments-api')).getByText('Public REST API & webhooks')).toBeTruthy();
  });

  it('rescans with Refresh, Ctrl+R and F5, but not while a scan is running', async () => {
    const flights: ReturnType<typeof deferred<Inventory>>[] = [];
    const { calls } = shell({
      scan_repositories: () => {
        const flight = deferred<Inventory>();
        flights.push(flight);
        return flight.promise;
      },
    });
    render(RepositoriesView);
    await waitFor(() => expect(flights).toHaveLength(1));
    const refresh = screen.getByTestId('refresh') as HTMLButtonElement;
    expect(refresh.disabled).toBe(true);
    expect(refresh.textContent?.trim()).toBe('Scanning…');

    // Running: the shortcut does not start another.
    await fireEvent.keyDown(window, { key: 'r', ctrlKey: true });
    expect(flights).toHaveLength(1);

    flights[0]!.resolve(inventory([LEDGER]));
    await waitFor(() => expect(refresh.disabled).toBe(false));
    await fireEvent.click(refresh);
    expect(flights).toHaveLength(2);

    flights[1]!.resolve(inventory([LEDGER]));
    await waitFor(() => expect(refresh.disabled).toBe(false));
    const event = new KeyboardEvent('keydown', {
      key: 'r',
      ctrlKey: true,
      bubbles: true,
      cancelable: true,
    });
    window.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    await waitFor(() => expect(flights).toHaveLength(3));

    flights[2]!.resolve(inventory([LEDGER]));
    await waitFor(() => expect(refresh.disabled).toBe(false));
    await fireEvent.keyDown(window, { key: 'F5' });
    await waitFor(() => expect(flights).toHaveLength(4));
    expect(
      calls.filter((c) => c.cmd === 'scan_repositories').every((c) => c.args.session === 'acme'),
    ).toBe(true);
  });
});

describe('Repositories: search', () => {
  it('is focused on arrival and filters by name, description, account and region', async () => {
    shell({}, { cached: [inventory([LEDGER, API, WEB, INFRA])] });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(document.activeElement).toBe(searchInput());

    const search = async (value: string) => fireEvent.input(searchInput(), { target: { value } });
    await search('LEDGER');
    expect(rows()).toEqual(['ledger']);
    await search('residency');
    expect(rows()).toEqual(['ledger']);
    await search('acme-dev');
    expect(rows()).toEqual(['infra', 'web']);
    await search('222222');
    expect(rows()).toEqual(['infra', 'web']);
    await search('us-east-1');
    expect(rows()).toEqual(['payments-api']);
    await search('payments eu-west-1');
    expect(rows()).toEqual(['ledger']);
    await search('nothing-like-this');
    expect(rows()).toEqual([]);
    expect(screen.getByText('No repository matches “nothing-like-this”.')).toBeTruthy();
  });

  it('focuses the search box with /', async () => {
    shell();
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    searchInput().blur();

    await fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(searchInput());
  });
});

describe('Repositories: cloning', () => {
  const progress = (over: Partial<CloneProgress>): CloneProgress => ({
    phase: 'receiving',
    receivedObjects: 120,
    totalObjects: 300,
    receivedBytes: 1.2 * 1024 * 1024,
    percent: 40,
    ...over,
  });

  it('shows the progress, then where it cloned, with Open folder and Copy clone URL', async () => {
    let recent: unknown[] = [];
    const { calls, clone } = shell({ recent_clones: () => recent });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row('ledger')).getByRole('button', { name: 'Clone ledger' }));
    await waitFor(() => expect(clone.end).toBeDefined());
    const request: CloneRequest = {
      session: 'acme',
      accountId: '111111111111',
      accountName: 'payments-prod',
      roleName: 'Developer',
      region: 'eu-west-1',
      repository: 'ledger',
      dest: null,
    };
    expect(clone.args?.request).toEqual(request);

    const bar = within(row('ledger')).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    expect(within(row('ledger')).getByTestId('clone-phase').textContent).toBe('Connecting…');

    clone.end!.send(progress({}));
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('40'));
    expect(within(row('ledger')).getByTestId('clone-phase').textContent).toBe(
      'Receiving objects 120/300 · 1.2 MiB',
    );
    clone.end!.send(progress({ phase: 'resolving', percent: 80 }));
    await waitFor(() =>
      expect(within(row('ledger')).getByTestId('clone-phase').textContent).toBe('Resolving deltas'),
    );
    clone.end!.send(progress({ phase: 'checkout', percent: 95 }));
    await waitFor(() =>
      expect(within(row('ledger')).getByTestId('clone-phase').textContent).toBe('Checking out'),
    );
    // Other rows are untouched.
    expect(within(row('web')).queryByRole('progressbar')).toBeNull();

    recent = [
      {
        path: REPORT.path,
        repository: 'ledger',
        accountName: 'payments-prod',
        region: 'eu-west-1',
        profile: REPORT.profile,
        clonedAt: new Date().toISOString(),
      },
    ];
    clone.done.resolve(REPORT);
    const done = await within(row('ledger')).findByTestId('clone-done');
    expect(done.textContent?.replace(/\s+/g, ' ').trim()).toBe('Cloned to /home/dev/src/ledger');
    expect(within(row('ledger')).queryByRole('progressbar')).toBeNull();

    await fireEvent.click(
      within(row('ledger')).getByRole('button', { name: 'Open folder of ledger' }),
    );
    expect(calls.filter((c) => c.cmd === 'open_folder').map((c) => c.args)).toEqual([
      { path: '/home/dev/src/ledger' },
    ]);

    await fireEvent.click(
      within(row('ledger')).getByRole('button', { name: 'Copy clone URL of ledger' }),
    );
    expect(calls.filter((c) => c.cmd === 'copy_text').map((c) => c.args)).toEqual([
      { text: 'codecommit::eu-west-1://payments-prod-Developer@ledger' },
    ]);
    expect(await within(row('ledger')).findByText('Copied')).toBeTruthy();

    // The clone is listed under Recent once it is done.
    const recentList = await screen.findByTestId('recent-clones');
    expect(within(recentList).getByText('ledger')).toBeTruthy();
  });

  it('offers the HTTPS URL for rows not cloned yet', async () => {
    const { calls } = shell();
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(
      within(row('web')).getByRole('button', { name: 'Copy HTTPS URL of web' }),
    );
    expect(calls.filter((c) => c.cmd === 'copy_text').map((c) => c.args)).toEqual([
      { text: WEB.cloneUrlHttp },
    ]);
    expect(await within(row('web')).findByText('Copied')).toBeTruthy();
  });

  it('cancels with the same request, and a Cancelled rejection leaves no error', async () => {
    const { calls, clone } = shell();
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row('ledger')).getByRole('button', { name: 'Clone ledger' }));
    await waitFor(() => expect(clone.end).toBeDefined());
    await fireEvent.click(
      within(row('ledger')).getByRole('button', { name: 'Cancel cloning ledger' }),
    );
    expect(calls.filter((c) => c.cmd === 'cancel_clone').map((c) => c.args)).toEqual([
      { request: clone.args?.request },
    ]);

    clone.done.reject({ code: 'Cancelled', message: 'clone of ledger cancelled' });
    await waitFor(() => expect(within(row('ledger')).queryByRole('progressbar')).toBeNull());
    expect(within(row('ledger')).getByRole('button', { name: 'Clone ledger' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/cancelled/)).toBeNull();
  });

  it('shows a failure on its row, in an alert, and allows another try', async () => {
    const { clone } = shell();
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row('ledger')).getByRole('button', { name: 'Clone ledger' }));
    await waitFor(() => expect(clone.end).toBeDefined());
    clone.done.reject({
      code: 'Unknown',
      message: 'destination /home/dev/src/ledger already exists',
    });

    const alert = await within(row('ledger')).findByRole('alert');
    expect(alert.textContent).toBe('destination /home/dev/src/ledger already exists');
    expect(within(row('web')).queryByRole('alert')).toBeNull();
    expect(within(row('ledger')).getByRole('button', { name: 'Clone ledger' })).toBeTruthy();
  });

  it('points to the Sessions view when the session has expired', async () => {
    shell({
      clone_repository: () => Promise.reject({ code: 'SessionExpired', message: 'token expired' }),
    });
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await fireEvent.click(within(row('web')).getByRole('button', { name: 'Clone web' }));
    const alert = await within(row('web')).findByRole('alert');
    expect(alert.textContent).toContain('Sign in on the Sessions view');
  });

  it('keeps a running clone when the view is left and opened again', async () => {
    const { clone } = shell();
    const first = render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    await fireEvent.click(within(row('ledger')).getByRole('button', { name: 'Clone ledger' }));
    await waitFor(() => expect(clone.end).toBeDefined());
    first.unmount();

    render(RepositoriesView);
    await waitFor(() => expect(rows()).toHaveLength(2));
    clone.end!.send(progress({ percent: 60 }));
    await waitFor(() =>
      expect(within(row('ledger')).getByRole('progressbar').getAttribute('aria-valuenow')).toBe(
        '60',
      ),
    );
    clone.done.resolve(REPORT);
    expect(await within(row('ledger')).findByTestId('clone-done')).toBeTruthy();
  });

  it('clones the focused row on Enter and moves between rows with the arrow keys', async () => {
    const { clone } = shell();
    render(RepositoriesView);
    await waitFor(() => expect(rows()).toEqual(['web', 'ledger']));

    row('web').focus();
    await fireEvent.keyDown(row('web'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(row('ledger'));
    await fireEvent.keyDown(row('ledger'), { key: 'Enter' });
    await waitFor(() => expect(clone.end).toBeDefined());
    expect((clone.args?.request as CloneRequest).repository).toBe('ledger');
  });
});

describe('Repositories: empty states and extras', () => {
  it('asks to sign in when no identity is signed in and nothing is cached', async () => {
    const { calls } = shell({}, { identities: [status('acme', { state: 'expired' })], cached: [] });
    const onnavigate = vi.fn();
    render(RepositoriesView, { onnavigate });

    expect(await screen.findByText('No repositories yet')).toBeTruthy();
    expect(screen.getByText(/Sign in to an identity on the Sessions view/)).toBeTruthy();
    await fireEvent.click(screen.getByTestId('go-sessions'));
    expect(onnavigate).toHaveBeenCalledWith('sessions');
    expect(calls.some((c) => c.cmd === 'scan_repositories')).toBe(false);
  });

  it('keeps showing the cached rows with a sign-in hint when signed out', async () => {
    const { calls } = shell({}, { identities: [status('acme')] });
    render(RepositoriesView);

    await waitFor(() => expect(rows()).toEqual(['web', 'ledger']));
    expect(screen.getByTestId('sign-in-hint').textContent).toContain(
      'sign in on the Sessions view',
    );
    expect(progressText()).toBe('Scanned 2 days ago');
    expect(calls.some((c) => c.cmd === 'scan_repositories')).toBe(false);
  });

  it('scans an identity as soon as it is signed in elsewhere (e.g. from the tray)', async () => {
    const { calls, scan } = shell({}, { identities: [status('acme')] });
    render(RepositoriesView);
    await screen.findByTestId('sign-in-hint');
    expect(calls.some((c) => c.cmd === 'scan_repositories')).toBe(false);

    await waitFor(async () => {
      await emit(SESSIONS_CHANGED_EVENT, [status('acme', { state: 'signedIn' })]);
      expect(scan.end).toBeDefined();
    });
    expect(screen.queryByTestId('sign-in-hint')).toBeNull();
  });

  it('says none were found in the scanned regions when the scan finds nothing', async () => {
    const { scan } = shell({}, { cached: [] });
    render(RepositoriesView);
    await waitFor(() => expect(scan.end).toBeDefined());
    expect(screen.getByText('Looking for repositories…')).toBeTruthy();

    scan.done.resolve(inventory([], { notes: [NOTE] }));
    expect(await screen.findByText('No repositories found')).toBeTruthy();
    expect(
      screen.getByText(
        /No CodeCommit repositories were found in the scanned regions \(eu-west-1, us-east-1\)/,
      ),
    ).toBeTruthy();
    expect(screen.getByTestId('scan-notes').textContent).toContain('sandbox');
  });

  it('shows a scan failure with Retry, and a NotSignedIn scan as a sign-in hint', async () => {
    const failing = deferred<Inventory>();
    shell(
      {
        scan_repositories: (args) =>
          args.session === 'beta'
            ? Promise.reject({ code: 'NotSignedIn', message: 'not signed in' })
            : failing.promise,
      },
      {
        identities: [status('acme', { state: 'signedIn' }), status('beta', { state: 'expiring' })],
      },
    );
    render(RepositoriesView);

    const hint = await screen.findByTestId('sign-in-hint');
    expect(hint.textContent?.replace(/\s+/g, ' ')).toContain('beta needs a new sign-in');
    failing.reject({
      code: 'Unreachable',
      message: 'codecommit.eu-west-1.amazonaws.com unreachable',
    });
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toContain('Could not scan the repositories of acme');
    expect(within(banner).getByRole('button', { name: 'Retry' })).toBeTruthy();
    // The cached rows stay.
    expect(rows()).toEqual(['web', 'ledger']);
  });

  it('lists recent clones with Open folder, and the helper note', async () => {
    const clonedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const { calls } = shell({
      recent_clones: () => [
        {
          path: '/home/dev/src/web',
          repository: 'web',
          accountName: 'acme-dev',
          region: 'eu-west-1',
          profile: 'acme-dev-ReadOnly',
          clonedAt,
        },
      ],
      helper_status: () => ({
        resolved: '/usr/local/bin/git-remote-codecommit',
        isLanyard: false,
        link: null,
        note: 'git uses /usr/local/bin/git-remote-codecommit, not the one Lanyard ships',
      }),
    });
    render(RepositoriesView);

    const recent = await screen.findByTestId('recent-clones');
    expect(within(recent).getByText('5 minutes ago')).toBeTruthy();
    await fireEvent.click(within(recent).getByRole('button', { name: /^Open folder of web/ }));
    expect(calls.filter((c) => c.cmd === 'open_folder').map((c) => c.args)).toEqual([
      { path: '/home/dev/src/web' },
    ]);
    expect((await screen.findByTestId('helper-note')).textContent).toBe(
      'git uses /usr/local/bin/git-remote-codecommit, not the one Lanyard ships',
    );
  });
});
