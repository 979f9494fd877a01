import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell, status, type Handlers } from '../../test/shell';
import type { AccountRoles } from '../bindings/AccountRoles';
import type { DiscoveryEvent } from '../bindings/DiscoveryEvent';
import type { DiscoveryProgress } from '../bindings/DiscoveryProgress';
import type { ProfileSettings } from '../bindings/ProfileSettings';
import type { SyncPlan } from '../bindings/SyncPlan';
import AccountsView from './AccountsView.svelte';

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

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

const PROD = acc('111111111111', 'payments-prod', ['AdministratorAccess', 'ReadOnly']);
const DEV = acc('222222222222', 'payments-dev', ['Developer']);
const LAKE = acc('333333333333', 'data-lake', ['DataScientist']);

const SETTINGS: ProfileSettings = {
  template: '{account_name}-{role_name}',
  defaultRegion: null,
  accountRegions: {},
  output: null,
  overrides: {},
  credentialProcess: false,
  credentialProcessSuffix: '-process',
};

function planFor(template: string, accounts: AccountRoles[] = [PROD, DEV]): SyncPlan {
  // Like the Rust side: a name already taken gets a numeric suffix.
  const taken = new Set<string>();
  const unique = (name: string) => {
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${name}-${n}`;
    taken.add(candidate);
    return candidate;
  };
  const profiles = accounts.flatMap((a) =>
    a.roles.map((roleName) => ({
      name: unique(
        template.replace('{account_name}', a.accountName).replace('{role_name}', roleName),
      ),
      session: 'acme',
      accountId: a.accountId,
      accountName: a.accountName,
      roleName,
      region: null,
      output: null,
      credentialProcess: null,
    })),
  );
  const [first, ...rest] = profiles.map((p) => p.name);
  return {
    session: 'acme',
    profiles,
    diff: { added: rest, changed: first ? [first] : [], removed: ['old-profile'], unchanged: 0 },
    warnings: template.includes('{role_name}') ? [] : ['profile names collide; suffixes added'],
    configFile: '/home/dev/.aws/config',
  };
}

const progress = (
  done: number,
  total: number,
  etaSecs: number | null = null,
): DiscoveryProgress => ({
  accountsDone: done,
  accountsTotal: total,
  listingComplete: true,
  throttled: 0,
  etaSecs,
});

/** A shell with one signed-in identity whose discovery stays in flight until the test settles it. */
function shell(over: Handlers = {}, cached: AccountRoles[] = [PROD, DEV]) {
  const discovery = deferred<AccountRoles[]>();
  const flight: { end?: ChannelEnd<DiscoveryEvent>; done: typeof discovery } = { done: discovery };
  const calls = mockShell({
    list_identities: () => [status('acme', { state: 'signedIn' })],
    cached_accounts: () => cached,
    discover_accounts: (args) => {
      flight.end = ChannelEnd.of<DiscoveryEvent>(args.onEvent);
      return discovery.promise;
    },
    get_profile_settings: () => SETTINGS,
    plan_profiles: (args) => planFor((args.settings as ProfileSettings).template),
    list_favourites: () => [],
    copy_text: () => null,
    ...over,
  });
  return { calls, flight };
}

const progressText = () => screen.getByTestId('discovery-progress').textContent?.trim();
const templateInput = () => document.getElementById('profile-template') as HTMLInputElement;
const searchInput = () => document.getElementById('account-search') as HTMLInputElement;
const rows = () =>
  screen
    .queryAllByTestId(/^account-\d+$/)
    .map((r) => r.getAttribute('data-testid'))
    .sort();

describe('Accounts: discovery', () => {
  it('renders the cached accounts at once, then adds streamed accounts and updates the progress', async () => {
    const { calls, flight } = shell();
    render(AccountsView);

    const prod = await screen.findByTestId('account-111111111111');
    expect(within(prod).getByText('payments-prod')).toBeTruthy();
    expect(within(prod).getByText('payments-prod@example.com')).toBeTruthy();
    expect(within(prod).getByText('AdministratorAccess')).toBeTruthy();
    expect(rows()).toEqual(['account-111111111111', 'account-222222222222']);

    await waitFor(() => expect(flight.end).toBeDefined());
    expect(calls.find((c) => c.cmd === 'discover_accounts')?.args.session).toBe('acme');
    expect(progressText()).toBe('Looking for accounts…');

    flight.end!.send({ account: LAKE, progress: progress(312, 1480, 40) });
    expect(await screen.findByTestId('account-333333333333')).toBeTruthy();
    expect(progressText()).toBe('accounts 312/1,480, ETA 40 s');

    // An account already listed is updated in place, not duplicated.
    flight.end!.send({
      account: { ...DEV, roles: ['Developer', 'Billing'] },
      progress: progress(313, 1480),
    });
    await waitFor(() => expect(progressText()).toBe('accounts 313/1,480'));
    expect(within(screen.getByTestId('account-222222222222')).getByText('Billing')).toBeTruthy();
    expect(rows()).toHaveLength(3);

    flight.done.resolve([PROD, DEV, LAKE]);
    await waitFor(() => expect(progressText()).toBe('Up to date'));
  });

  it('kept hidden, shows the cache without calling the portal; each visit then revalidates', async () => {
    const { calls, flight } = shell();
    const view = render(AccountsView, { active: false });

    expect(await screen.findByTestId('account-111111111111')).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.filter((c) => c.cmd === 'discover_accounts')).toHaveLength(0);
    // Nor the profile preview (a plan of every profile) while nobody can see it.
    expect(calls.filter((c) => c.cmd === 'plan_profiles')).toHaveLength(0);

    await view.rerender({ active: true });
    await waitFor(() => expect(flight.end).toBeDefined());
    expect(calls.filter((c) => c.cmd === 'discover_accounts')).toHaveLength(1);
    flight.done.resolve([PROD, DEV]);
    await waitFor(() => expect(progressText()).toBe('Up to date'));

    // Leaving and coming back revalidates again, keeping the list (and the search) on screen.
    await fireEvent.input(searchInput(), { target: { value: 'dev' } });
    await view.rerender({ active: false });
    await view.rerender({ active: true });
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'discover_accounts')).toHaveLength(2));
    expect(searchInput().value).toBe('dev');
    expect(rows()).toEqual(['account-222222222222']);
  });

  it('offers going to Sessions when discovery rejects with NotSignedIn', async () => {
    mockShell({
      list_identities: () => [status('acme', { state: 'signedIn' })],
      cached_accounts: () => [PROD],
      discover_accounts: () =>
        Promise.reject({ code: 'NotSignedIn', message: 'not signed in to acme' }),
      get_profile_settings: () => SETTINGS,
      plan_profiles: () => planFor('x'),
      list_favourites: () => [],
    });
    const onnavigate = vi.fn();
    render(AccountsView, { onnavigate });

    const hint = await screen.findByTestId('sign-in-hint');
    expect(hint.getAttribute('role')).toBe('alert');
    expect(hint.textContent).toContain('Sign in to acme');
    // The cached list stays usable.
    expect(screen.getByTestId('account-111111111111')).toBeTruthy();
    await fireEvent.click(within(hint).getByRole('button', { name: 'Go to Sessions' }));
    expect(onnavigate).toHaveBeenCalledWith('sessions');
  });

  it.each([
    [
      'an expired session',
      { code: 'SessionExpired', message: 'the session of acme has expired' },
      () => screen.findByTestId('sign-in-hint'),
    ],
    [
      'throttling that outlasted the retries',
      {
        code: 'Unknown',
        message: 'ListAccounts for acme: TooManyRequestsException (HTTP 429)',
      },
      () => screen.findByText('Could not discover accounts'),
    ],
  ])('never starts a sign-in by itself after %s', async (_what, error, shown) => {
    const calls = mockShell({
      list_identities: () => [status('acme', { state: 'signedIn' })],
      cached_accounts: () => [PROD],
      discover_accounts: () => Promise.reject(error),
      get_profile_settings: () => SETTINGS,
      plan_profiles: () => planFor('x'),
      list_favourites: () => [],
      sign_in: () => new Promise(() => {}),
    });
    render(AccountsView);

    await shown();
    // Give any follow-up (a retry, a sign-in) the chance to start.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.filter((c) => c.cmd === 'discover_accounts')).toHaveLength(1);
    expect(calls.map((c) => c.cmd)).not.toContain('sign_in');
    expect(screen.getByTestId('account-111111111111')).toBeTruthy();
  });

  it('while offline shows the last accounts and says so, then discovers once back', async () => {
    const { calls } = shell({
      list_identities: () => [status('acme', { state: 'offline', refreshable: true })],
    });
    render(AccountsView);

    expect(await screen.findByTestId('offline-hint')).toBeTruthy();
    expect(screen.queryByTestId('sign-in-hint')).toBeNull();
    expect(screen.getByTestId('account-111111111111')).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.map((c) => c.cmd)).not.toContain('discover_accounts');

    // The network is back: the tray's next check says so, and the view revalidates by itself.
    await emit('sessions://changed', [status('acme', { state: 'signedIn', refreshable: true })]);
    await waitFor(() => expect(calls.some((c) => c.cmd === 'discover_accounts')).toBe(true));
    await waitFor(() => expect(screen.queryByTestId('offline-hint')).toBeNull());
  });

  it('does not discover with a signed-out identity and lets the user pick another', async () => {
    const { calls } = shell({
      list_identities: () => [status('old'), status('acme', { state: 'expiring' })],
    });
    render(AccountsView);

    // The signed-in identity is picked by default and discovered.
    const picker = (await screen.findByLabelText('Identity')) as HTMLSelectElement;
    await waitFor(() => expect(calls.some((c) => c.cmd === 'discover_accounts')).toBe(true));
    expect(picker.value).toBe('acme');

    await fireEvent.change(picker, { target: { value: 'old' } });
    expect(await screen.findByTestId('sign-in-hint')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'cached_accounts').map((c) => c.args.session)).toEqual([
      'acme',
      'old',
    ]);
    expect(calls.filter((c) => c.cmd === 'discover_accounts').map((c) => c.args.session)).toEqual([
      'acme',
    ]);
  });

  it('shows an empty state pointing to Sessions when there are no identities', async () => {
    const calls = mockShell({ list_identities: () => [] });
    const onnavigate = vi.fn();
    render(AccountsView, { onnavigate });

    expect(await screen.findByText('No identities yet')).toBeTruthy();
    await fireEvent.click(screen.getByTestId('go-sessions'));
    expect(onnavigate).toHaveBeenCalledWith('sessions');
    expect(calls.map((c) => c.cmd)).toEqual(['list_identities']);
  });
});

describe('Accounts: search', () => {
  it('filters by name, id and role while discovery is still running', async () => {
    const { flight } = shell();
    render(AccountsView);
    await screen.findByTestId('account-111111111111');
    await waitFor(() => expect(flight.end).toBeDefined());
    flight.end!.send({ account: LAKE, progress: progress(1, 3) });
    await screen.findByTestId('account-333333333333');

    await fireEvent.input(searchInput(), { target: { value: 'PAYMENTS' } });
    expect(rows()).toEqual(['account-111111111111', 'account-222222222222']);

    await fireEvent.input(searchInput(), { target: { value: '3333' } });
    expect(rows()).toEqual(['account-333333333333']);

    await fireEvent.input(searchInput(), { target: { value: 'developer' } });
    expect(rows()).toEqual(['account-222222222222']);

    // Fuzzy: a subsequence of the name.
    await fireEvent.input(searchInput(), { target: { value: 'pymtsprd' } });
    expect(rows()).toEqual(['account-111111111111']);

    // Streamed accounts that match appear under the current search.
    await fireEvent.input(searchInput(), { target: { value: 'audit' } });
    expect(rows()).toEqual([]);
    flight.end!.send({ account: acc('444444444444', 'audit'), progress: progress(2, 3) });
    await waitFor(() => expect(rows()).toEqual(['account-444444444444']));
    expect(progressText()).toBe('accounts 2/3');
  });

  it('focuses the search box with / and Ctrl+F', async () => {
    shell();
    render(AccountsView);
    await screen.findByTestId('account-111111111111');

    await fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(searchInput());
    searchInput().blur();
    await fireEvent.keyDown(document.body, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(searchInput());

    // Typing "/" in the template field does not steal focus.
    const template = await waitFor(() => {
      const el = templateInput();
      expect(el).toBeTruthy();
      return el;
    });
    template.focus();
    await fireEvent.keyDown(template, { key: '/' });
    expect(document.activeElement).toBe(template);
  });
});

describe('Accounts: profiles', () => {
  it('plans with the saved template, re-plans after a template edit and shows the diff', async () => {
    const { calls } = shell();
    render(AccountsView);

    await waitFor(() => expect(templateInput()?.value).toBe('{account_name}-{role_name}'));
    const diff = await screen.findByTestId('profile-diff');
    expect(within(diff).getByText('+2 added')).toBeTruthy();
    expect(within(diff).getByText('~1 changed')).toBeTruthy();
    expect(within(diff).getByText('−1 removed')).toBeTruthy();
    expect(within(diff).getByText('~ payments-prod-AdministratorAccess')).toBeTruthy();
    expect(within(diff).getByText('− old-profile')).toBeTruthy();

    await fireEvent.input(templateInput(), {
      target: { value: 'acme-{account_name}-{role_name}' },
    });
    await waitFor(() =>
      expect(
        within(screen.getByTestId('profile-diff')).getByText(
          '~ acme-payments-prod-AdministratorAccess',
        ),
      ).toBeTruthy(),
    );
    expect(screen.getByTestId('fav-acme-payments-dev-Developer')).toBeTruthy();
    const plans = calls.filter((c) => c.cmd === 'plan_profiles');
    expect(plans[plans.length - 1]!.args).toEqual({
      session: 'acme',
      settings: { ...SETTINGS, template: 'acme-{account_name}-{role_name}' },
    });
  });

  it('lists the first 60 changes of a big diff and all of them on request', async () => {
    const many = Array.from(
      { length: 150 },
      (_, i) => `acct-${String(i).padStart(3, '0')}/Developer`,
    );
    shell({
      plan_profiles: () => ({
        ...planFor('{account_name}-{role_name}'),
        diff: { added: many, changed: [], removed: [], unchanged: 0 },
      }),
    });
    render(AccountsView);
    const diff = await screen.findByTestId('profile-diff');
    await waitFor(() => expect(within(diff).getByText('+150 added')).toBeTruthy());
    expect(diff.querySelectorAll('li.added')).toHaveLength(60);
    expect(within(diff).queryByText('+ acct-060/Developer')).toBeNull();
    await fireEvent.click(within(diff).getByTestId('diff-show-all'));
    expect(diff.querySelectorAll('li.added')).toHaveLength(150);
    expect(within(diff).getByText('+ acct-149/Developer')).toBeTruthy();
    expect(within(diff).queryByTestId('diff-show-all')).toBeNull();
  });

  it('debounces typing into a single plan', async () => {
    const { calls } = shell();
    render(AccountsView);
    await screen.findByTestId('profile-diff');
    const before = calls.filter((c) => c.cmd === 'plan_profiles').length;

    for (const value of ['a', 'a-', 'a-{', 'a-{account_id}']) {
      await fireEvent.input(templateInput(), { target: { value } });
    }
    await waitFor(() =>
      expect(screen.getByTestId('profile-diff').textContent).toContain('a-{account_id}'),
    );
    const after = calls.filter((c) => c.cmd === 'plan_profiles').slice(before);
    expect(after.map((c) => (c.args.settings as ProfileSettings).template)).toEqual([
      'a-{account_id}',
    ]);
  });

  it('shows an InvalidInput template error at the field and disables Apply', async () => {
    shell({
      plan_profiles: (args) => {
        const { template } = args.settings as ProfileSettings;
        if (template.includes('{nope}')) {
          return Promise.reject({
            code: 'InvalidInput',
            message: 'invalid template: unknown placeholder {nope}',
          });
        }
        return planFor(template);
      },
    });
    render(AccountsView);
    await screen.findByTestId('profile-diff');

    await fireEvent.input(templateInput(), { target: { value: '{nope}' } });
    const error = await screen.findByTestId('template-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent?.trim()).toBe('invalid template: unknown placeholder {nope}');
    expect(templateInput().getAttribute('aria-invalid')).toBe('true');
    expect(templateInput().getAttribute('aria-describedby')).toBe(error.id);
    expect((screen.getByTestId('apply-profiles') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(templateInput(), { target: { value: '{account_name}' } });
    await waitFor(() => expect(screen.queryByTestId('template-error')).toBeNull());
    expect(screen.getByTestId('profile-warnings').textContent).toContain('profile names collide');
  });

  it('applies the edited template and reports where it wrote', async () => {
    const { calls } = shell({
      apply_profiles: () => ({
        diff: { added: ['a', 'b'], changed: ['c'], removed: ['d'], unchanged: 4 },
        backup: '/home/dev/.aws/config.bak-1',
      }),
    });
    render(AccountsView);
    await screen.findByTestId('profile-diff');

    await fireEvent.input(templateInput(), { target: { value: 'x-{account_name}-{role_name}' } });
    await waitFor(() => expect(screen.getByTestId('fav-x-payments-dev-Developer')).toBeTruthy());
    await waitFor(() =>
      expect((screen.getByTestId('apply-profiles') as HTMLButtonElement).disabled).toBe(false),
    );
    await fireEvent.click(screen.getByTestId('apply-profiles'));

    const result = await screen.findByTestId('apply-result');
    expect(result.textContent).toContain('Wrote 7 profiles to /home/dev/.aws/config');
    expect(result.textContent).toContain('/home/dev/.aws/config.bak-1');
    expect(calls.filter((c) => c.cmd === 'apply_profiles').map((c) => c.args)).toEqual([
      { session: 'acme', settings: { ...SETTINGS, template: 'x-{account_name}-{role_name}' } },
    ]);
  });

  it('plans credential_process twins when turned on, with the suffix typed, and applies them', async () => {
    const twinned = (settings: ProfileSettings): SyncPlan => {
      const base = planFor(settings.template);
      if (!settings.credentialProcess) return base;
      const twins = base.profiles.map((p) => ({
        ...p,
        name: `${p.name}${settings.credentialProcessSuffix}`,
        credentialProcess: `/usr/bin/lanyard export-credentials --profile ${p.name} --format process`,
      }));
      return {
        ...base,
        profiles: [...base.profiles, ...twins],
        diff: { ...base.diff, added: [...base.diff.added, ...twins.map((t) => t.name)] },
      };
    };
    const { calls } = shell({
      plan_profiles: (args) => twinned(args.settings as ProfileSettings),
      apply_profiles: () => ({
        diff: { added: [], changed: [], removed: [], unchanged: 6 },
        backup: null,
      }),
    });
    render(AccountsView);
    await screen.findByTestId('fav-payments-dev-Developer');
    expect(screen.queryByTestId(/^twin-/)).toBeNull();
    expect(document.getElementById('process-suffix')).toBeNull();

    await fireEvent.click(screen.getByTestId('process-twins'));
    const badge = await screen.findByTestId('twin-payments-dev-Developer-process');
    expect(badge.getAttribute('title')).toBe(
      'credential_process = /usr/bin/lanyard export-credentials --profile payments-dev-Developer --format process',
    );
    const suffix = document.getElementById('process-suffix') as HTMLInputElement;
    expect(suffix.value).toBe('-process');
    await fireEvent.input(suffix, { target: { value: '.cp' } });
    expect(await screen.findByTestId('twin-payments-dev-Developer.cp')).toBeTruthy();
    expect(screen.getByTestId('profile-diff').textContent).toContain('+ payments-dev-Developer.cp');

    await waitFor(() =>
      expect((screen.getByTestId('apply-profiles') as HTMLButtonElement).disabled).toBe(false),
    );
    await fireEvent.click(screen.getByTestId('apply-profiles'));
    await screen.findByTestId('apply-result');
    expect(calls.filter((c) => c.cmd === 'apply_profiles').map((c) => c.args)).toEqual([
      {
        session: 'acme',
        settings: { ...SETTINGS, credentialProcess: true, credentialProcessSuffix: '.cp' },
      },
    ]);
  });

  it('toggles a favourite and lists favourites first', async () => {
    let favourites: string[] = [];
    const { calls } = shell({
      list_favourites: () => favourites,
      set_favourite: (args) => {
        const name = args.profile as string;
        favourites = args.favourite ? [...favourites, name] : favourites.filter((f) => f !== name);
        return favourites;
      },
    });
    render(AccountsView);

    const star = await screen.findByTestId('fav-payments-dev-Developer');
    expect(star.getAttribute('aria-pressed')).toBe('false');
    const names = () =>
      within(screen.getByRole('list', { name: 'Planned profiles' }))
        .getAllByRole('listitem')
        .map((li) => li.querySelector('.name')?.textContent);
    expect(names()[0]).toBe('payments-prod-AdministratorAccess');

    await fireEvent.click(star);
    await waitFor(() =>
      expect(screen.getByTestId('fav-payments-dev-Developer').getAttribute('aria-pressed')).toBe(
        'true',
      ),
    );
    expect(names()[0]).toBe('payments-dev-Developer');

    await fireEvent.click(screen.getByTestId('fav-payments-dev-Developer'));
    await waitFor(() =>
      expect(screen.getByTestId('fav-payments-dev-Developer').getAttribute('aria-pressed')).toBe(
        'false',
      ),
    );
    expect(calls.filter((c) => c.cmd === 'set_favourite').map((c) => c.args)).toEqual([
      { profile: 'payments-dev-Developer', favourite: true },
      { profile: 'payments-dev-Developer', favourite: false },
    ]);
  });

  it('re-plans once discovery has finished', async () => {
    const { calls, flight } = shell();
    render(AccountsView);
    await screen.findByTestId('profile-diff');
    await waitFor(() => expect(flight.end).toBeDefined());
    const before = calls.filter((c) => c.cmd === 'plan_profiles').length;

    flight.done.resolve([PROD, DEV]);
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === 'plan_profiles').length).toBe(before + 1),
    );
  });
});

describe('Accounts: offboarding', () => {
  const PREVIEW = {
    dryRun: true,
    signedOut: ['acme'],
    removed: ['[sso-session acme]', '[profile payments-prod-AdministratorAccess]'],
    left: ['[profile my-own]'],
  };

  it('previews, then offboards on confirm and shows the report', async () => {
    const { calls } = shell({
      preview_offboard: () => PREVIEW,
      offboard: () => ({ ...PREVIEW, dryRun: false }),
    });
    render(AccountsView);
    await screen.findByTestId('account-111111111111');

    await fireEvent.click(await screen.findByRole('button', { name: 'Offboard…' }));
    const preview = await screen.findByTestId('offboard-preview');
    expect(preview.textContent).toContain('Sign out of');
    expect(preview.textContent).toContain('[sso-session acme]');
    expect(preview.textContent).toContain('[profile my-own]');
    expect(calls.some((c) => c.cmd === 'offboard')).toBe(false);

    const identityLoads = calls.filter((c) => c.cmd === 'list_identities').length;
    await fireEvent.click(screen.getByTestId('confirm-offboard'));
    const report = await screen.findByTestId('offboard-report');
    expect(report.textContent).toContain('Offboarding done.');
    expect(report.textContent).toContain('Removed');
    expect(calls.filter((c) => c.cmd === 'offboard')).toHaveLength(1);
    // Identities are reloaded afterwards.
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === 'list_identities').length).toBe(identityLoads + 1),
    );
  });

  it('cancel returns without offboarding', async () => {
    const { calls } = shell({
      preview_offboard: () => PREVIEW,
      offboard: () => ({ ...PREVIEW, dryRun: false }),
    });
    render(AccountsView);
    await screen.findByTestId('account-111111111111');

    await fireEvent.click(await screen.findByRole('button', { name: 'Offboard…' }));
    await screen.findByTestId('offboard-preview');
    await fireEvent.click(screen.getByTestId('cancel-offboard'));

    expect(screen.queryByTestId('offboard-preview')).toBeNull();
    expect(screen.queryByTestId('confirm-offboard')).toBeNull();
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Offboard…' })),
    );
    expect(calls.some((c) => c.cmd === 'offboard')).toBe(false);
  });

  it('shows a failed preview in an alert', async () => {
    shell({
      preview_offboard: () => Promise.reject({ code: 'Unknown', message: 'config is locked' }),
    });
    render(AccountsView);
    await screen.findByTestId('account-111111111111');

    await fireEvent.click(await screen.findByRole('button', { name: 'Offboard…' }));
    const alert = await within(screen.getByTestId('offboard')).findByRole('alert');
    expect(alert.textContent).toContain('config is locked');
    expect(screen.queryByTestId('confirm-offboard')).toBeNull();
  });
});

describe('Accounts: console and export per profile', () => {
  // planFor: the first profile exists (changed), the others are only planned (added).
  const EXISTING = 'payments-prod-AdministratorAccess';
  const PLANNED = 'payments-prod-ReadOnly';

  it('offers Console and Copy export only for profiles already in the config', async () => {
    shell();
    render(AccountsView);
    await screen.findByTestId('profile-diff');

    expect(await screen.findByTestId(`console-${EXISTING}`)).toBeTruthy();
    expect(
      screen.getByRole('button', { name: `Copy export AWS_PROFILE=${EXISTING}` }),
    ).toBeTruthy();
    expect(screen.queryByTestId(`console-${PLANNED}`)).toBeNull();
    expect(screen.queryByRole('button', { name: `Copy export AWS_PROFILE=${PLANNED}` })).toBeNull();
  });

  it('opens the console as the profile, busy while it opens', async () => {
    const opening = deferred<null>();
    const { calls } = shell({ open_console: () => opening.promise });
    render(AccountsView);
    const button = (await screen.findByTestId(`console-${EXISTING}`)) as HTMLButtonElement;
    expect(button.getAttribute('aria-label')).toBe(`Console for ${EXISTING}`);

    await fireEvent.click(button);
    await waitFor(() => expect(button.disabled).toBe(true));
    expect(button.textContent?.trim()).toBe('Opening…');
    expect(calls.filter((c) => c.cmd === 'open_console').map((c) => c.args)).toEqual([
      { profile: EXISTING },
    ]);

    opening.resolve(null);
    await waitFor(() => expect(button.disabled).toBe(false));
    expect(button.textContent?.trim()).toBe('Console');
  });

  it('shows why the console could not open, at the row', async () => {
    shell({
      open_console: () => Promise.reject({ code: 'NotSignedIn', message: 'not signed in to acme' }),
    });
    render(AccountsView);
    await fireEvent.click(await screen.findByTestId(`console-${EXISTING}`));

    const error = await screen.findByTestId(`console-error-${EXISTING}`);
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent?.trim()).toBe('Could not open the console: not signed in to acme');
  });

  it('copies the credentials (only the expiry comes back), and says when the clipboard clears', async () => {
    const { calls } = shell({
      copy_credentials: (args) => ({
        profile: args.profile,
        expiresAt: '2026-12-03T12:00:00Z',
        clearsAfterSecs: 60,
      }),
    });
    render(AccountsView);
    await fireEvent.click(await screen.findByTestId(`credentials-${EXISTING}`));
    const note = await screen.findByTestId(`row-note-${EXISTING}`);
    expect(note.getAttribute('role')).toBe('status');
    expect(note.textContent).toContain('Credentials copied as environment variables, valid until');
    expect(note.textContent).toContain('The clipboard is cleared in 60 s.');
    expect(calls.filter((c) => c.cmd === 'copy_credentials').map((c) => c.args)).toEqual([
      { profile: EXISTING },
    ]);
  });

  it('serves the credentials from the row, then copies the variables and stops', async () => {
    let running: { profile: string; url: string }[] = [];
    const { calls } = shell({
      list_endpoints: () => running,
      serve_credentials: (args) => {
        running = args.serve
          ? [{ profile: String(args.profile), url: 'http://127.0.0.1:4321/' }]
          : [];
        return running;
      },
      copy_endpoint: () => 60,
    });
    render(AccountsView);
    const serve = await screen.findByTestId(`serve-${EXISTING}`);
    expect(serve.getAttribute('aria-pressed')).toBe('false');
    expect(screen.queryByTestId(`endpoint-${EXISTING}`)).toBeNull();

    await fireEvent.click(serve);
    await waitFor(() => expect(serve.getAttribute('aria-pressed')).toBe('true'));
    expect(serve.textContent?.trim()).toBe('Stop serving');
    expect((await screen.findByTestId(`row-note-${EXISTING}`)).textContent).toContain(
      'Serving credentials on http://127.0.0.1:4321/',
    );
    await fireEvent.click(screen.getByTestId(`endpoint-${EXISTING}`));
    await waitFor(() =>
      expect(screen.getByTestId(`row-note-${EXISTING}`).textContent).toContain(
        'AWS_CONTAINER_AUTHORIZATION_TOKEN copied',
      ),
    );
    await fireEvent.click(serve);
    await waitFor(() => expect(serve.getAttribute('aria-pressed')).toBe('false'));
    expect(calls.filter((c) => c.cmd === 'serve_credentials').map((c) => c.args.serve)).toEqual([
      true,
      false,
    ]);
  });

  it('shows why no terminal opened, at the row', async () => {
    shell({
      open_terminal: () =>
        Promise.reject({ code: 'Credentials', message: 'no terminal was found: set $TERMINAL' }),
    });
    render(AccountsView);
    await fireEvent.click(await screen.findByTestId(`terminal-${EXISTING}`));
    const note = await screen.findByTestId(`row-note-${EXISTING}`);
    expect(note.getAttribute('role')).toBe('alert');
    expect(note.textContent?.trim()).toBe('no terminal was found: set $TERMINAL');
  });

  it('copies the export line', async () => {
    const { calls } = shell();
    render(AccountsView);
    await fireEvent.click(
      await screen.findByRole('button', { name: `Copy export AWS_PROFILE=${EXISTING}` }),
    );
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === 'copy_text').map((c) => c.args)).toEqual([
        { text: `export AWS_PROFILE=${EXISTING}` },
      ]),
    );
  });
});
