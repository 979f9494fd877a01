import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import App from './App.svelte';
import type { AppInfo } from './lib/bindings/AppInfo';
import type { AppSettings } from './lib/bindings/AppSettings';
import type { IdentityStatus } from './lib/bindings/IdentityStatus';
import { status } from './test/shell';

const ACCOUNT = {
  accountId: '111111111111',
  accountName: 'payments-prod',
  email: 'prod@example.com',
  roles: ['ReadOnly'],
};

const INFO: AppInfo = {
  version: '0.4.2',
  demo: false,
  platform: 'macos',
  awsConfigFile: '/Users/dev/.aws/config',
  ssoCacheDir: '/Users/dev/.aws/sso/cache',
  dataDir: '/Users/dev/Library/Application Support/dev.lanyard',
  keyring: 'Secret Service',
  keyringNote: null,
};

const SETTINGS: AppSettings = {
  cloneRoot: '/Users/dev/src',
  template: '{account_name}-{role_name}',
  regions: [],
  refreshMinutes: 5,
  startAtLogin: false,
  notifications: true,
  pullRequestNotifications: true,
  switcherShortcut: '',
};

/**
 * Mock the shell: `app_info` answers with `info` (or rejects with `error`);
 * `list_identities` answers with `identities` (none by default), whose accounts are cached and
 * discovered as one account; the Repositories and Pull requests views find nothing cached.
 */
function mockShell(
  opts: { info?: Partial<AppInfo>; error?: unknown; identities?: IdentityStatus[] } = {},
) {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === 'list_identities') return opts.identities ?? [];
      if (cmd === 'cached_accounts' || cmd === 'discover_accounts') return [ACCOUNT];
      if (cmd === 'list_favourites') return [];
      if (cmd === 'cached_repositories' || cmd === 'recent_clones') return [];
      if (cmd === 'cached_pull_requests') return [];
      if (cmd === 'helper_status')
        return { resolved: null, isLanyard: true, link: null, note: null };
      if (cmd === 'get_settings') return SETTINGS;
      if (cmd !== 'app_info') throw new Error(`unexpected command ${cmd}`);
      if (opts.error !== undefined) throw opts.error;
      return { ...INFO, ...opts.info };
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const title = () => screen.getByTestId('view-title');
const nav = (id: string) => screen.getByTestId(`nav-${id}`);

afterEach(async () => {
  // Unmount first and let pending IPC settle: App unsubscribes from events through the mock.
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

describe('App frame', () => {
  it('renders the five views as buttons in the main navigation, Sessions first', async () => {
    mockShell();
    render(App);

    const mainNav = screen.getByRole('navigation', { name: 'Main' });
    const buttons = within(mainNav).getAllByRole('button');
    expect(buttons.map((b) => b.textContent?.trim())).toEqual([
      'Sessions',
      'Accounts & Profiles',
      'Repositories',
      'Pull requests',
      'Settings',
    ]);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Sessions');
    expect(nav('sessions').getAttribute('aria-current')).toBe('page');
    expect(await screen.findByText('No identities yet')).toBeTruthy();
  });

  it('switches view on click and moves aria-current', async () => {
    mockShell();
    render(App);

    await fireEvent.click(nav('repositories'));
    expect(title().textContent).toBe('Repositories');
    expect(nav('repositories').getAttribute('aria-current')).toBe('page');
    expect(nav('sessions').hasAttribute('aria-current')).toBe(false);
    expect(await screen.findByText('No repositories yet')).toBeTruthy();

    await fireEvent.click(nav('accounts'));
    expect(title().textContent).toBe('Accounts & Profiles');
    expect(nav('accounts').getAttribute('aria-current')).toBe('page');
    expect(nav('repositories').hasAttribute('aria-current')).toBe(false);
  });

  it('switches view with Ctrl/Cmd+1..5 and ignores other keys', async () => {
    mockShell();
    render(App);

    await fireEvent.keyDown(window, { key: '5', ctrlKey: true });
    expect(title().textContent).toBe('Settings');
    expect(nav('settings').getAttribute('aria-current')).toBe('page');

    await fireEvent.keyDown(window, { key: '4', ctrlKey: true });
    expect(title().textContent).toBe('Pull requests');
    expect(nav('pullRequests').getAttribute('aria-current')).toBe('page');

    await fireEvent.keyDown(window, { key: '2', metaKey: true });
    expect(title().textContent).toBe('Accounts & Profiles');

    await fireEvent.keyDown(window, { key: '3' });
    await fireEvent.keyDown(window, { key: '9', ctrlKey: true });
    await fireEvent.keyDown(window, { key: '1', ctrlKey: true, shiftKey: true });
    expect(title().textContent).toBe('Accounts & Profiles');

    await fireEvent.keyDown(window, { key: '1', ctrlKey: true });
    expect(title().textContent).toBe('Sessions');
  });

  it('moves focus between nav items with the arrow keys without switching view', async () => {
    mockShell();
    render(App);

    nav('sessions').focus();
    await fireEvent.keyDown(nav('sessions'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(nav('accounts'));
    await fireEvent.keyDown(nav('accounts'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(nav('repositories'));
    await fireEvent.keyDown(nav('repositories'), { key: 'ArrowUp' });
    expect(document.activeElement).toBe(nav('accounts'));

    // wraps around at both ends
    nav('sessions').focus();
    await fireEvent.keyDown(nav('sessions'), { key: 'ArrowUp' });
    expect(document.activeElement).toBe(nav('settings'));
    await fireEvent.keyDown(nav('settings'), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(nav('sessions'));

    expect(title().textContent).toBe('Sessions');

    // Enter/click on the focused button activates it
    nav('repositories').focus();
    await fireEvent.click(document.activeElement as HTMLElement);
    expect(title().textContent).toBe('Repositories');
  });

  it('mounts Accounts & Profiles hidden once the first screen has painted, and keeps it', async () => {
    const calls = mockShell({ identities: [status('acme', { state: 'signedIn' })] });
    render(App);

    // Hidden behind Sessions: in the document (so its first visit is warm), not on screen. It
    // shows the signed-in identity's cached accounts but asks the portal nothing.
    const kept = await screen.findByTestId('accounts-view', {}, { timeout: 2000 });
    expect(kept.hidden).toBe(true);
    expect(title().textContent).toBe('Sessions');
    await waitFor(() => expect(calls).toContain('cached_accounts'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).not.toContain('discover_accounts');

    await fireEvent.click(nav('accounts'));
    expect(screen.getByTestId('accounts-view')).toBe(kept);
    expect(kept.hidden).toBe(false);
    // The visit revalidates.
    await waitFor(() => expect(calls).toContain('discover_accounts'));
    await fireEvent.click(nav('repositories'));
    expect(screen.getByTestId('accounts-view').hidden).toBe(true);
  });

  it('warms Pull requests up out of sight from the cache, then drops it', async () => {
    const calls = mockShell({ identities: [status('acme', { state: 'signedIn' })] });
    render(App);

    const warming = await screen.findByTestId('pull-requests-warming', {}, { timeout: 2000 });
    expect(warming.getAttribute('aria-hidden')).toBe('true');
    expect(title().textContent).toBe('Sessions');
    await waitFor(() => expect(calls).toContain('cached_pull_requests'));
    await waitFor(() => expect(screen.queryByTestId('pull-requests-warming')).toBeNull(), {
      timeout: 2000,
    });
    // Out of sight it asks nothing: the signed-in identity is checked on the first visit.
    expect(calls).not.toContain('refresh_pull_requests');
  });

  it('drops the warming Pull requests view at once when the view is visited', async () => {
    mockShell();
    render(App);
    await screen.findByTestId('pull-requests-warming', {}, { timeout: 2000 });
    await fireEvent.click(nav('pullRequests'));
    expect(screen.queryByTestId('pull-requests-warming')).toBeNull();
    expect(await screen.findAllByTestId('go-sessions')).toHaveLength(1);
  });

  it('follows app://navigate events from the tray', async () => {
    mockShell();
    render(App);

    await waitFor(async () => {
      await emit('app://navigate', 'settings');
      expect(title().textContent).toBe('Settings');
    });
    expect(nav('settings').getAttribute('aria-current')).toBe('page');

    // The tray's "All pull requests…".
    await waitFor(async () => {
      await emit('app://navigate', 'pullRequests');
      expect(title().textContent).toBe('Pull requests');
    });
    expect(await screen.findByText('Sign in to see pull requests')).toBeTruthy();
  });
});

describe('Settings', () => {
  it('shows version, platform and paths from app_info', async () => {
    const calls = mockShell();
    render(App);
    await fireEvent.click(nav('settings'));

    expect((await screen.findByTestId('app-version')).textContent).toBe('0.4.2');
    expect(screen.getByText('macos')).toBeTruthy();
    expect(screen.getByText('/Users/dev/.aws/config')).toBeTruthy();
    expect(screen.getByText('/Users/dev/.aws/sso/cache')).toBeTruthy();
    expect(screen.getByText('/Users/dev/Library/Application Support/dev.lanyard')).toBeTruthy();
    expect(calls.filter((c) => c === 'app_info')).toEqual(['app_info']);
  });

  it('shows where secrets are kept, and no note when there is none', async () => {
    mockShell();
    render(App);
    await fireEvent.click(nav('settings'));

    expect((await screen.findByTestId('keyring')).textContent).toBe(
      'Secrets kept in: Secret Service',
    );
    expect(screen.queryByTestId('keyring-note')).toBeNull();
  });

  it('shows the keyring note when there is no keyring', async () => {
    mockShell({
      info: {
        keyring: 'none',
        keyringNote: 'no Secret Service on this desktop; secrets stay in ~/.aws only',
      },
    });
    render(App);
    await fireEvent.click(nav('settings'));

    expect((await screen.findByTestId('keyring')).textContent).toBe('Secrets kept in: none');
    expect(screen.getByTestId('keyring-note').textContent).toBe(
      'no Secret Service on this desktop; secrets stay in ~/.aws only',
    );
  });
});

describe('Demo badge', () => {
  it('is shown when app_info reports demo=true', async () => {
    mockShell({ info: { demo: true } });
    render(App);

    const badge = await screen.findByTestId('demo-badge');
    expect(badge.textContent).toBe('Demo');
    expect(badge.getAttribute('title')).toBe('Sandboxed: the built-in emulator, not your ~/.aws');
  });

  it('is absent when demo=false', async () => {
    mockShell({ info: { demo: false } });
    render(App);
    await fireEvent.click(nav('settings'));

    await screen.findByTestId('app-version'); // app_info has arrived
    expect(screen.queryByTestId('demo-badge')).toBeNull();
  });
});

describe('IPC failure', () => {
  it('shows the error message in an alert instead of a blank screen', async () => {
    mockShell({ error: { code: 'Io', message: 'cannot read /Users/dev/.aws/config' } });
    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('cannot read /Users/dev/.aws/config');
    // the frame is still usable
    expect(title().textContent).toBe('Sessions');
    await fireEvent.click(nav('settings'));
    expect(screen.getByText('Application details are unavailable.')).toBeTruthy();
    expect(screen.queryByTestId('app-version')).toBeNull();
  });

  it('retries and clears the alert once app_info succeeds', async () => {
    let fail = true;
    mockIPC(
      (cmd) => {
        if (cmd === 'list_identities') return [];
        if (cmd !== 'app_info') throw new Error(`unexpected command ${cmd}`);
        if (fail) throw 'backend not ready';
        return INFO;
      },
      { shouldMockEvents: true },
    );
    render(App);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('backend not ready');

    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    await fireEvent.click(nav('settings'));
    expect(screen.getByTestId('app-version').textContent).toBe('0.4.2');
  });
});
