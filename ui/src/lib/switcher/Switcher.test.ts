import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { mockShell, type Handlers } from '../../test/shell';
import { profile } from '../../test/switcher-entries';
import type { CloneRequest } from '../bindings/CloneRequest';
import type { SwitcherEntry } from '../bindings/SwitcherEntry';
import Switcher from './Switcher.svelte';

const CLONE: CloneRequest = {
  session: 'acme',
  accountId: '222222222222',
  accountName: 'payments-dev',
  roleName: 'Developer',
  region: 'us-east-1',
  repository: 'ledger',
  dest: null,
};

const PROD = profile('payments-prod-Developer', { favourite: true });
const DEV = profile('payments-dev-Developer', {
  accountId: '222222222222',
  accountName: 'payments-dev',
});
const LEDGER: SwitcherEntry = {
  ...profile('ledger', {
    accountId: '222222222222',
    accountName: 'payments-dev',
    region: 'us-east-1',
  }),
  kind: 'repository',
  key: 'repo:222222222222/us-east-1/ledger',
  clone: CLONE,
};
const API: SwitcherEntry = {
  ...LEDGER,
  key: 'repo:222222222222/us-east-1/api',
  title: 'api',
  path: '/home/dev/src/payments-dev/api',
  clone: { ...CLONE, repository: 'api' },
};
const ENTRIES = [PROD, DEV, LEDGER, API];

function shell(entries: SwitcherEntry[] = ENTRIES, over: Handlers = {}) {
  return mockShell({
    switcher_entries: () => entries,
    hide_switcher: () => null,
    copy_export: (args) => `export AWS_PROFILE=${String(args.profile)}`,
    open_console: () => null,
    open_folder: () => null,
    clone_in_background: () => null,
    copy_text: () => null,
    ...over,
  });
}

const input = () => screen.getByTestId('switcher-input') as HTMLInputElement;
const keys = () => screen.queryAllByTestId('switcher-row').map((r) => r.getAttribute('data-key'));
const selectedKey = () =>
  screen
    .queryAllByTestId('switcher-row')
    .find((r) => r.getAttribute('aria-selected') === 'true')
    ?.getAttribute('data-key');
const press = (key: string, init: KeyboardEventInit = {}) =>
  fireEvent.keyDown(input(), { key, ...init });
const status = () => screen.getByTestId('switcher-status').textContent?.trim();

async function open(entries?: SwitcherEntry[], over?: Handlers) {
  const calls = shell(entries, over);
  render(Switcher, { hideDelayMs: 0 });
  await waitFor(() => expect(screen.queryAllByTestId('switcher-row').length).toBeGreaterThan(0));
  return calls;
}

/** Waits until the action in flight has finished. */
const idle = () =>
  waitFor(() => expect(screen.getByTestId('switcher').getAttribute('aria-busy')).toBe('false'));
const commands = (calls: { cmd: string }[]) =>
  calls.map((c) => c.cmd).filter((c) => !['switcher_entries', 'ui_timing', 'ui_ready'].includes(c));

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

describe('Switcher: list and navigation', () => {
  it('focuses the input, lists favourites first and selects the first row', async () => {
    await open();
    expect(document.activeElement).toBe(input());
    expect(keys()).toEqual([PROD.key, DEV.key, LEDGER.key, API.key]);
    expect(selectedKey()).toBe(PROD.key);
    expect(screen.getByRole('listbox')).toBeTruthy();
    expect(screen.getAllByRole('option')).toHaveLength(4);
    const active = input().getAttribute('aria-activedescendant');
    expect(document.getElementById(active!)?.getAttribute('data-key')).toBe(PROD.key);

    const api = screen.getAllByTestId('switcher-row')[3]!;
    expect(api.textContent).toContain('cloned');
    expect(api.textContent).toContain('payments-dev · 222222222222 · Developer · us-east-1');
    expect(screen.getAllByTestId('switcher-row')[0]!.textContent).toContain('★');
  });

  it('moves with Up/Down and Ctrl+N/Ctrl+P, wrapping around', async () => {
    await open();
    await press('ArrowUp');
    expect(selectedKey()).toBe(API.key);
    await press('ArrowDown');
    expect(selectedKey()).toBe(PROD.key);
    await press('ArrowDown');
    expect(selectedKey()).toBe(DEV.key);
    await press('n', { ctrlKey: true });
    expect(selectedKey()).toBe(LEDGER.key);
    await press('p', { ctrlKey: true });
    await press('p', { ctrlKey: true });
    expect(selectedKey()).toBe(PROD.key);
    const active = input().getAttribute('aria-activedescendant');
    expect(document.getElementById(active!)?.getAttribute('data-key')).toBe(PROD.key);
  });

  it('moves by 10 with PageDown/PageUp, stopping at the ends', async () => {
    const many = Array.from({ length: 25 }, (_, i) => profile(`p${String(i).padStart(2, '0')}`));
    await open(many);
    await press('PageDown');
    expect(selectedKey()).toBe('profile:p10');
    await press('PageDown');
    await press('PageDown');
    expect(selectedKey()).toBe('profile:p24');
    await press('PageUp');
    expect(selectedKey()).toBe('profile:p14');
    await press('PageUp');
    await press('PageUp');
    expect(selectedKey()).toBe('profile:p00');
  });

  it('filters as you type, resets the selection and caps the list at 50 rows', async () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      profile(`acct-${i}`, { accountName: `acct-${i}` }),
    );
    await open([...many, LEDGER]);
    expect(keys()).toHaveLength(50);
    expect(screen.getByTestId('switcher-more').textContent?.trim()).toBe('71 more — keep typing');

    await press('ArrowDown');
    await fireEvent.input(input(), { target: { value: 'ACCT-11' } });
    expect(keys()).toEqual([
      'profile:acct-11',
      ...Array.from({ length: 10 }, (_, i) => `profile:acct-11${i}`),
    ]);
    expect(selectedKey()).toBe('profile:acct-11');
    expect(screen.queryByTestId('switcher-more')).toBeNull();

    await fireEvent.input(input(), { target: { value: 'repository us-east' } });
    expect(keys()).toEqual([LEDGER.key]);

    await fireEvent.input(input(), { target: { value: 'zzz' } });
    expect(keys()).toEqual([]);
    expect(screen.getByText('No profile or repository matches “zzz”.')).toBeTruthy();
  });

  it('logs how long loading and each keystroke took to their painted rows', async () => {
    const calls = await open();
    const timings = () =>
      calls.filter((c) => c.cmd === 'ui_timing').map((c) => c.args as { what: string; ms: number });
    await waitFor(() =>
      expect(timings().map((t) => t.what)).toContain('switcher: loaded 4 entries'),
    );
    await fireEvent.input(input(), { target: { value: 'led' } });
    await waitFor(() =>
      expect(timings().some((t) => /^switcher: filtered \d+ entries$/.test(t.what))).toBe(true),
    );
    for (const t of timings()) expect(t.ms).toBeGreaterThanOrEqual(0);
  });

  it('says what to do when there is nothing yet', async () => {
    shell([]);
    render(Switcher, { hideDelayMs: 0 });
    expect(
      await screen.findByText(
        "Sign in and sync profiles, or scan repositories, in Lanyard's window.",
      ),
    ).toBeTruthy();
  });

  it('reloads the entries and refocuses the input when the window regains focus', async () => {
    let entries = [DEV];
    const calls = shell([], { switcher_entries: () => entries });
    render(Switcher, { hideDelayMs: 0 });
    await waitFor(() => expect(keys()).toEqual([DEV.key]));

    entries = [DEV, LEDGER];
    input().blur();
    await fireEvent.focus(window);
    await waitFor(() => expect(keys()).toEqual([DEV.key, LEDGER.key]));
    expect(document.activeElement).toBe(input());
    expect(calls.filter((c) => c.cmd === 'switcher_entries')).toHaveLength(2);
  });
});

describe('Switcher: actions', () => {
  it('Enter on a profile copies its export line, confirms, then hides', async () => {
    const calls = await open();
    await press('Enter');
    await waitFor(() => expect(commands(calls)).toEqual(['copy_export', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'copy_export')!.args).toEqual({
      profile: 'payments-prod-Developer',
    });
  });

  it('Ctrl+E copies the credentials, Ctrl+T opens a terminal, Ctrl+Shift+S serves them', async () => {
    const calls = await open(ENTRIES, {
      copy_credentials: (args) => ({
        profile: args.profile,
        expiresAt: '2026-12-03T12:00:00Z',
        clearsAfterSecs: 60,
      }),
      open_terminal: () => 'gnome-terminal',
      serve_credentials: (args) => [{ profile: args.profile, url: 'http://127.0.0.1:4321/' }],
    });
    await press('e', { ctrlKey: true });
    await waitFor(() => expect(commands(calls)).toEqual(['copy_credentials', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'copy_credentials')!.args).toEqual({
      profile: 'payments-prod-Developer',
    });
    await idle();
    await press('t', { ctrlKey: true });
    await waitFor(() => expect(commands(calls)).toContain('open_terminal'));
    expect(calls.find((c) => c.cmd === 'open_terminal')!.args).toEqual({
      profile: 'payments-prod-Developer',
    });
    await idle();
    await press('S', { ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(commands(calls)).toContain('serve_credentials'));
    expect(calls.find((c) => c.cmd === 'serve_credentials')!.args).toEqual({
      profile: 'payments-prod-Developer',
      serve: true,
    });
  });

  it('says why the terminal did not open, and stays open', async () => {
    const calls = await open(ENTRIES, {
      open_terminal: () =>
        Promise.reject({ code: 'Credentials', message: 'no terminal was found: set $TERMINAL' }),
    });
    await press('t', { ctrlKey: true });
    await waitFor(() => expect(status()).toBe('no terminal was found: set $TERMINAL'));
    expect(commands(calls)).toEqual(['open_terminal']);
  });

  it('credential keys do nothing on a repository', async () => {
    const calls = await open();
    await press('ArrowDown');
    await press('ArrowDown');
    await press('e', { ctrlKey: true });
    await idle();
    expect(commands(calls)).toEqual([]);
  });

  it('shows the confirmation before hiding', async () => {
    shell();
    render(Switcher, { hideDelayMs: 60_000 });
    await waitFor(() => expect(keys()).toHaveLength(4));
    await press('Enter');
    await waitFor(() => expect(status()).toBe('Copied export AWS_PROFILE=payments-prod-Developer'));
  });

  it('Ctrl+Enter (or Cmd+Enter) on a profile opens the console, then hides', async () => {
    const calls = await open();
    await press('ArrowDown');
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(commands(calls)).toEqual(['open_console', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'open_console')!.args).toEqual({
      profile: 'payments-dev-Developer',
    });
    await idle();

    await press('Enter', { metaKey: true });
    await waitFor(() =>
      expect(commands(calls)).toEqual([
        'open_console',
        'hide_switcher',
        'open_console',
        'hide_switcher',
      ]),
    );
  });

  it('Enter on a repository that is not cloned starts a background clone', async () => {
    const calls = await open();
    await fireEvent.input(input(), { target: { value: 'ledger' } });
    await press('Enter');
    await waitFor(() => expect(commands(calls)).toEqual(['clone_in_background', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'clone_in_background')!.args).toEqual({ request: CLONE });
  });

  it('Enter on a cloned repository opens its folder; Ctrl+Enter copies its path', async () => {
    const calls = await open();
    await press('ArrowUp');
    expect(selectedKey()).toBe(API.key);
    await press('Enter');
    await waitFor(() => expect(commands(calls)).toEqual(['open_folder', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'open_folder')!.args).toEqual({ path: API.path });
    await idle();

    await press('ArrowUp');
    await press('Enter', { ctrlKey: true });
    await waitFor(() =>
      expect(commands(calls)).toEqual([
        'open_folder',
        'hide_switcher',
        'copy_text',
        'hide_switcher',
      ]),
    );
    expect(calls.find((c) => c.cmd === 'copy_text')!.args).toEqual({ text: API.path });
  });

  it('Enter on a pull request opens it in the console; Ctrl+Enter checks it out', async () => {
    const target = { session: 'acme', accountId: '222222222222', region: 'us-east-1', id: '7' };
    const pr: SwitcherEntry = {
      ...LEDGER,
      kind: 'pullRequest',
      key: 'pr:acme/222222222222/us-east-1/7',
      title: 'Fix rounding in refunds',
      detail: 'ledger #7 by bob · awaiting your approval',
      clone: null,
      pullRequest: target,
    };
    const calls = await open([...ENTRIES, pr], {
      open_pull_request: () => null,
      checkout_pull_request: () => ({
        path: '/home/dev/src/payments-dev/ledger',
        branch: 'feature/refunds',
        commit: 'c0ffee',
        moved: false,
      }),
    });
    // Found by its author, as the row says what it is.
    await fireEvent.input(input(), { target: { value: 'bob' } });
    expect(keys()).toEqual([pr.key]);
    const row = screen.getByTestId('switcher-row');
    expect(row.textContent).toContain('PR');
    expect(row.textContent).toContain('ledger #7 by bob · awaiting your approval');
    await press('Enter');
    await waitFor(() => expect(commands(calls)).toEqual(['open_pull_request', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'open_pull_request')!.args).toEqual({ target });
    await idle();
    await fireEvent.input(input(), { target: { value: 'refunds' } });
    await press('Enter', { ctrlKey: true });
    await waitFor(() =>
      expect(commands(calls)).toEqual([
        'open_pull_request',
        'hide_switcher',
        'checkout_pull_request',
        'hide_switcher',
      ]),
    );
    expect(calls.find((c) => c.cmd === 'checkout_pull_request')!.args).toEqual({ target });
  });

  it('a click runs the primary action on that row', async () => {
    const calls = await open();
    await fireEvent.click(screen.getAllByTestId('switcher-row')[1]!);
    await waitFor(() => expect(commands(calls)).toEqual(['copy_export', 'hide_switcher']));
    expect(calls.find((c) => c.cmd === 'copy_export')!.args).toEqual({
      profile: 'payments-dev-Developer',
    });
  });

  it('shows a failed action in the status line and stays open', async () => {
    const calls = await open(ENTRIES, {
      open_console: () => Promise.reject({ code: 'NotSignedIn', message: 'not signed in to acme' }),
    });
    await press('Enter', { ctrlKey: true });
    await waitFor(() => expect(status()).toBe('not signed in to acme'));
    expect(screen.getByTestId('switcher-status').getAttribute('role')).toBe('status');
    expect(commands(calls)).toEqual(['open_console']);
  });
});

describe('Switcher: Escape', () => {
  it('clears the query first, then hides the window', async () => {
    const calls = await open();
    await fireEvent.input(input(), { target: { value: 'ledger' } });
    expect(keys()).toEqual([LEDGER.key]);

    await press('Escape');
    expect(input().value).toBe('');
    expect(keys()).toHaveLength(4);
    expect(commands(calls)).toEqual([]);

    await press('Escape');
    await waitFor(() => expect(commands(calls)).toEqual(['hide_switcher']));
  });
});
