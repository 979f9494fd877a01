import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import App from '../App.svelte';
import { mockShell } from '../test/shell';
import { searchable } from './accounts';
import AccountList from './components/AccountList.svelte';
import { loadViewState, recalledText, remember } from './view-state';

const ACCOUNTS = ['payments-prod', 'payments-dev', 'ledger-prod'].map((name, i) =>
  searchable({
    accountId: `11111111111${i}`,
    accountName: name,
    email: `${name}@example.com`,
    roles: ['ReadOnly'],
  }),
);

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

/** The shell as the tray process keeps it: `recall_view` answers `last`, writes are recorded. */
function shell(last: string | null) {
  const written: string[] = [];
  const calls = mockShell({
    recall_view: () => last,
    remember_view: (a) => void written.push(a.view as string),
    app_info: () => ({ version: '0', demo: false, platform: 'linux', keyringNote: null }),
    list_identities: () => [],
    cached_repositories: () => [],
    recent_clones: () => [],
    helper_status: () => ({ resolved: null, isLanyard: true, link: null, note: null }),
    get_settings: () => ({}),
  });
  return { written, calls };
}

describe('where the window was left', () => {
  it('opens at the view it was left on, and keeps each move in one write', async () => {
    const { written } = shell(JSON.stringify({ view: 'repositories' }));
    await loadViewState();
    render(App);
    expect(screen.getByTestId('view-title').textContent).toBe('Repositories');

    await fireEvent.click(screen.getByTestId('nav-settings'));
    await fireEvent.click(screen.getByTestId('nav-accounts'));
    await waitFor(() => expect(written.length).toBeGreaterThan(0));
    // Debounced: the two clicks end in one write of the last view.
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]).view).toBe('accounts');
  });

  it('starts afresh when nothing was kept or what was kept is unreadable', async () => {
    for (const last of [null, 'not json', '["a list"]', JSON.stringify({ view: 'nowhere' })]) {
      shell(last);
      await loadViewState();
      render(App);
      expect(screen.getByTestId('view-title').textContent).toBe('Sessions');
      cleanup();
    }
  });

  it('brings back the account search', async () => {
    shell(JSON.stringify({ 'accounts.query': 'ledger' }));
    await loadViewState();
    render(AccountList, { accounts: ACCOUNTS });
    const box = screen.getByRole('searchbox', { name: 'Search accounts' }) as HTMLInputElement;
    expect(box.value).toBe('ledger');
    expect(screen.getByTestId('account-count').textContent).toContain('1 of 3 accounts match');

    await fireEvent.input(box, { target: { value: 'payments' } });
    expect(recalledText('accounts.query', '')).toBe('payments');
  });

  it('ignores a value that did not change', async () => {
    const { written } = shell(null);
    await loadViewState();
    remember('view', 'accounts');
    await waitFor(() => expect(written).toHaveLength(1));
    remember('view', 'accounts');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(written).toHaveLength(1);
  });
});
