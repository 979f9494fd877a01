import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { emit } from '@tauri-apps/api/event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell, status } from '../../test/shell';
import type { IdentityStatus } from '../bindings/IdentityStatus';
import type { LoginStep } from '../bindings/LoginStep';
import SessionsView from './SessionsView.svelte';

afterEach(async () => {
  vi.useRealTimers();
  // Unmount first and let pending IPC settle: the view unsubscribes from events through the mock.
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

const card = (session: string) => screen.getByTestId(`identity-${session}`);
const badge = (session: string) => screen.getByTestId(`state-${session}`).textContent;
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

const DEVICE_CODE: LoginStep = {
  step: 'deviceCode',
  userCode: 'QKXB-TRLM',
  verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
  verificationUriComplete: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=QKXB-TRLM',
  expiresAt: '2999-01-01T00:00:00Z',
};

/** A shell whose sign_in stays in flight until the test settles it, with the Rust end of its channel. */
function mockSignIn(list: IdentityStatus[]) {
  const pending = deferred<IdentityStatus>();
  const flight: { end?: ChannelEnd<LoginStep>; done: typeof pending } = { done: pending };
  const calls = mockShell({
    list_identities: () => list,
    sign_in: (args) => {
      flight.end = ChannelEnd.of<LoginStep>(args.onStep);
      return pending.promise;
    },
    cancel_sign_in: () => {
      pending.reject({ code: 'Cancelled', message: 'sign-in cancelled' });
      return null;
    },
    open_url: () => null,
  });
  return { calls, flight };
}

describe('Sessions: adding an identity', () => {
  it('goes from the empty state to the form and saves trimmed values', async () => {
    const saved = status(
      'acme',
      {},
      { startUrl: 'https://d-1234567890.awsapps.com/start', scopes: [] },
    );
    const calls = mockShell({ list_identities: () => [], save_identity: () => saved });
    render(SessionsView);

    expect(await screen.findByText('No identities yet')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Add identity' }));

    const dialog = screen.getByRole('dialog', { name: 'Add identity' });
    expect(document.activeElement).toBe(input('identity-session'));
    expect(input('identity-start-url').placeholder).toBe('https://d-1234567890.awsapps.com/start');
    expect(input('identity-region').placeholder).toBe('us-east-1');

    await fireEvent.input(input('identity-session'), { target: { value: '  acme ' } });
    await fireEvent.input(input('identity-start-url'), {
      target: { value: ' https://d-1234567890.awsapps.com/start  ' },
    });
    await fireEvent.input(input('identity-region'), { target: { value: 'eu-west-1 ' } });
    await fireEvent.input(input('identity-scopes'), {
      target: { value: ' sso:account:access, codecommit:read ,' },
    });
    await fireEvent.click(within(dialog).getByTestId('identity-save'));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.filter((c) => c.cmd === 'save_identity')).toEqual([
      {
        cmd: 'save_identity',
        args: {
          input: {
            session: 'acme',
            startUrl: 'https://d-1234567890.awsapps.com/start',
            region: 'eu-west-1',
            scopes: ['sso:account:access', 'codecommit:read'],
          },
        },
      },
    ]);
    expect(within(card('acme')).getByRole('heading', { level: 2 }).textContent).toBe('acme');
    expect(badge('acme')).toBe('Signed out');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('sign-in-acme')));
  });

  it('shows an InvalidInput error about the start URL next to that field and keeps the form open', async () => {
    mockShell({
      list_identities: () => [],
      save_identity: () =>
        Promise.reject({
          code: 'InvalidInput',
          message:
            'invalid startUrl: http://acme.awsapps.com/start must use https:// (IAM Identity Center start URLs look like https://d-1234567890.awsapps.com/start)',
        }),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add identity' }));

    await fireEvent.input(input('identity-session'), { target: { value: 'acme' } });
    await fireEvent.input(input('identity-start-url'), {
      target: { value: 'http://acme.awsapps.com/start' },
    });
    await fireEvent.input(input('identity-region'), { target: { value: 'eu-west-1' } });
    await fireEvent.submit(input('identity-region').form!);

    const url = input('identity-start-url');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    const described = url
      .getAttribute('aria-describedby')!
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
    expect(described).toContain('http://acme.awsapps.com/start must use https://');
    expect(document.activeElement).toBe(url);
    expect(input('identity-region').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  it('shows other save errors in the form', async () => {
    mockShell({
      list_identities: () => [],
      save_identity: () =>
        Promise.reject({
          code: 'Unknown',
          message: 'cannot write /home/dev/.aws/config: read-only',
        }),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add identity' }));
    await fireEvent.input(input('identity-session'), { target: { value: 'acme' } });
    await fireEvent.input(input('identity-start-url'), {
      target: { value: 'https://acme.awsapps.com/start' },
    });
    await fireEvent.input(input('identity-region'), { target: { value: 'eu-west-1' } });
    await fireEvent.click(screen.getByTestId('identity-save'));

    const alert = await within(screen.getByRole('dialog')).findByRole('alert');
    expect(alert.textContent).toContain('cannot write /home/dev/.aws/config: read-only');
  });

  it('asks for the required fields before calling the shell, and Esc closes the form', async () => {
    const calls = mockShell({ list_identities: () => [] });
    render(SessionsView);
    const add = await screen.findByRole('button', { name: 'Add identity' });
    add.focus();
    await fireEvent.click(add);

    await fireEvent.input(input('identity-session'), { target: { value: 'acme' } });
    await fireEvent.click(screen.getByTestId('identity-save'));
    expect(input('identity-start-url').getAttribute('aria-invalid')).toBe('true');
    // The region is optional: the start URL can name it.
    expect(input('identity-region').getAttribute('aria-invalid')).toBeNull();
    expect(calls.map((c) => c.cmd)).toEqual(['list_identities']);

    await fireEvent.keyDown(input('identity-start-url'), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(add));
  });

  it('edits a managed identity with the session name fixed', async () => {
    const acme = status('acme', {}, { scopes: ['sso:account:access', 'codecommit:read'] });
    const calls = mockShell({
      list_identities: () => [acme],
      save_identity: (args) => status('acme', {}, { ...(args.input as object) }),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('edit-acme'));

    expect(screen.getByRole('dialog', { name: 'Edit acme' })).toBeTruthy();
    expect(input('identity-session').disabled).toBe(true);
    expect(input('identity-session').value).toBe('acme');
    expect(input('identity-scopes').value).toBe('sso:account:access, codecommit:read');
    expect(document.activeElement).toBe(input('identity-start-url'));

    await fireEvent.input(input('identity-region'), { target: { value: 'us-east-2' } });
    await fireEvent.click(screen.getByTestId('identity-save'));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.cmd === 'save_identity')?.args.input).toEqual({
      session: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'us-east-2',
      scopes: ['sso:account:access', 'codecommit:read'],
    });
    expect(within(card('acme')).getByText('us-east-2')).toBeTruthy();
  });
});

describe('Sessions: cards', () => {
  it('shows each state and a countdown that ticks every second', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T12:00:00Z'));
    const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    mockShell({
      list_identities: () => [
        status('live', {
          state: 'signedIn',
          refreshable: true,
          accessTokenExpiresAt: at(42 * 60 + 10),
        }),
        status('soon', {
          state: 'expiring',
          accessTokenExpiresAt: at(9 * 60 + 3),
          detail: 'no refresh token',
        }),
        status('gone', { state: 'expired', accessTokenExpiresAt: at(-60) }),
        status('idle'),
      ],
    });
    render(SessionsView);

    await vi.waitFor(() => expect(screen.getByTestId('identity-live')).toBeTruthy());
    expect(badge('live')).toBe('Signed in');
    expect(badge('soon')).toBe('Expiring');
    expect(badge('gone')).toBe('Expired — sign in');
    expect(badge('idle')).toBe('Signed out');
    expect(screen.getByTestId('countdown-live').textContent).toBe(
      'Renews automatically · access token valid 42m 10s',
    );
    expect(screen.getByTestId('countdown-soon').textContent).toBe(
      'Expires in 9m 03s — sign in again',
    );
    expect(screen.getByTestId('countdown-gone').textContent).toBe('Expired');
    expect(screen.queryByTestId('countdown-idle')).toBeNull();
    expect(within(card('soon')).getByText('no refresh token')).toBeTruthy();
    expect(within(card('live')).getByText('https://live.awsapps.com/start')).toBeTruthy();

    await vi.advanceTimersByTimeAsync(1000);
    expect(screen.getByTestId('countdown-live').textContent).toBe(
      'Renews automatically · access token valid 42m 09s',
    );
    expect(screen.getByTestId('countdown-soon').textContent).toBe(
      'Expires in 9m 02s — sign in again',
    );

    await vi.advanceTimersByTimeAsync((9 * 60 + 2) * 1000);
    expect(screen.getByTestId('countdown-soon').textContent).toBe('Expired');
  });

  it('offers Sign out only to sessions that are signed in', async () => {
    mockShell({ list_identities: () => [status('live', { state: 'signedIn' }), status('idle')] });
    render(SessionsView);

    expect(await screen.findByTestId('sign-out-live')).toBeTruthy();
    expect(screen.queryByTestId('sign-out-idle')).toBeNull();
    expect(screen.getByTestId('sign-in-idle').textContent?.trim()).toBe('Sign in');
    expect(screen.getByTestId('sign-in-device-idle').textContent?.trim()).toBe('Use a device code');
  });

  it('offers Edit and Remove only for identities Lanyard manages', async () => {
    mockShell({
      list_identities: () => [
        status('mine', {}, { managed: true }),
        status('theirs', {}, { managed: false }),
      ],
    });
    render(SessionsView);
    await screen.findByTestId('identity-mine');

    expect(within(card('mine')).getByRole('button', { name: 'Edit' })).toBeTruthy();
    expect(within(card('mine')).getByRole('button', { name: 'Remove' })).toBeTruthy();
    expect(
      within(card('mine')).queryByText('Defined in your AWS config — edit it there'),
    ).toBeNull();
    expect(within(card('theirs')).queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(within(card('theirs')).queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(
      within(card('theirs')).getByText('Defined in your AWS config — edit it there'),
    ).toBeTruthy();
  });

  it('removes an identity only after confirmation', async () => {
    const calls = mockShell({
      list_identities: () => [status('acme'), status('beta')],
      remove_identity: () => null,
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('remove-acme'));

    const confirm = screen.getByTestId('confirm-remove-acme');
    expect(confirm.textContent).toContain('Remove acme?');
    await fireEvent.click(within(confirm).getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByTestId('confirm-remove-acme')).toBeNull();
    expect(calls.some((c) => c.cmd === 'remove_identity')).toBe(false);

    await fireEvent.click(screen.getByTestId('remove-acme'));
    await fireEvent.click(
      within(screen.getByTestId('confirm-remove-acme')).getByRole('button', { name: 'Remove' }),
    );

    await waitFor(() => expect(screen.queryByTestId('identity-acme')).toBeNull());
    expect(calls.filter((c) => c.cmd === 'remove_identity')).toEqual([
      { cmd: 'remove_identity', args: { session: 'acme' } },
    ]);
    expect(screen.getByTestId('identity-beta')).toBeTruthy();
  });

  it('follows sessions://changed', async () => {
    mockShell({ list_identities: () => [status('acme')] });
    render(SessionsView);
    await screen.findByTestId('identity-acme');

    await emit('sessions://changed', [
      status('acme', { state: 'signedIn', refreshable: true }),
      status('beta', { state: 'expired' }),
    ]);
    await waitFor(() => expect(badge('acme')).toBe('Signed in'));
    expect(badge('beta')).toBe('Expired — sign in');

    await emit('sessions://changed', []);
    expect(await screen.findByText('No identities yet')).toBeTruthy();
  });

  it('shows a load failure with Retry', async () => {
    let fail = true;
    mockShell({
      list_identities: () =>
        fail ? Promise.reject({ code: 'NoHome', message: 'no home directory' }) : [status('acme')],
    });
    render(SessionsView);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no home directory');
    fail = false;
    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('identity-acme')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('Sessions: signing in and out', () => {
  it('shows the device code from the channel, then the signed-in state', async () => {
    const { calls, flight } = mockSignIn([status('acme')]);
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('sign-in-device-acme'));

    expect(
      calls.filter((c) => c.cmd === 'sign_in').map((c) => [c.args.session, c.args.method]),
    ).toEqual([['acme', 'deviceCode']]);
    const panel = screen.getByTestId('login-acme');
    expect(panel.getAttribute('role')).toBe('status');
    expect(panel.getAttribute('aria-live')).toBe('polite');

    await waitFor(() => expect(flight.end).toBeDefined());
    flight.end!.send(DEVICE_CODE);
    expect((await screen.findByTestId('user-code')).textContent).toBe('QKXB-TRLM');
    expect(panel.textContent).toContain('Enter or confirm this code at');

    await fireEvent.click(
      within(panel).getByRole('link', { name: 'https://device.sso.eu-west-1.amazonaws.com/' }),
    );
    expect(calls.filter((c) => c.cmd === 'open_url')).toEqual([
      {
        cmd: 'open_url',
        args: { url: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=QKXB-TRLM' },
      },
    ]);

    flight.end!.send({ step: 'slowDown', intervalSecs: 10 });
    expect((await screen.findByTestId('login-note-acme')).textContent).toContain('every 10s');
    expect(screen.getByTestId('user-code').textContent).toBe('QKXB-TRLM');

    flight.end!.send({ step: 'exchanging' });
    expect(await within(panel).findByText('Finishing sign-in…')).toBeTruthy();

    flight.done.resolve(status('acme', { state: 'signedIn', refreshable: true }));
    await waitFor(() => expect(badge('acme')).toBe('Signed in'));
    expect(screen.queryByTestId('login-acme')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('sign-out-acme')).toBeTruthy();
  });

  it('Cancel calls cancel_sign_in and the Cancelled rejection closes the panel without an alert', async () => {
    const { calls, flight } = mockSignIn([status('acme')]);
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('sign-in-acme'));
    expect(calls.find((c) => c.cmd === 'sign_in')?.args.method).toBe('auto');

    await waitFor(() => expect(flight.end).toBeDefined());
    flight.end!.send({
      step: 'openBrowser',
      url: 'https://oidc.eu-west-1.amazonaws.com/authorize?x=1',
      opened: true,
    });
    const panel = screen.getByTestId('login-acme');
    expect(await within(panel).findByText('Approve the sign-in in your browser')).toBeTruthy();
    expect(within(panel).getByRole('link').textContent).toBe(
      'https://oidc.eu-west-1.amazonaws.com/authorize?x=1',
    );

    await fireEvent.click(screen.getByTestId('cancel-acme'));
    expect(calls.filter((c) => c.cmd === 'cancel_sign_in')).toEqual([
      { cmd: 'cancel_sign_in', args: { session: 'acme' } },
    ]);
    await waitFor(() => expect(screen.queryByTestId('login-acme')).toBeNull());
    expect(screen.queryByRole('alert')).toBeNull();
    expect(badge('acme')).toBe('Signed out');
    expect(screen.getByTestId('sign-in-acme')).toBeTruthy();
  });

  it('shows a LoginNotCompleted rejection as an alert with Retry', async () => {
    let attempts = 0;
    const calls = mockShell({
      list_identities: () => [status('acme')],
      sign_in: () => {
        attempts += 1;
        return attempts === 1
          ? Promise.reject({
              code: 'LoginNotCompleted',
              message: 'the sign-in request was denied in the browser',
            })
          : status('acme', { state: 'signedIn' });
      },
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('sign-in-device-acme'));

    const alert = await within(card('acme')).findByRole('alert');
    expect(alert.textContent).toContain('the sign-in request was denied in the browser');
    expect(screen.queryByTestId('login-acme')).toBeNull();

    await fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(badge('acme')).toBe('Signed in'));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(calls.filter((c) => c.cmd === 'sign_in').map((c) => c.args.method)).toEqual([
      'deviceCode',
      'deviceCode',
    ]);
  });

  it('Sign out calls sign_out and shows the refreshed state', async () => {
    let signedIn = true;
    const calls = mockShell({
      list_identities: () => [
        status('acme', signedIn ? { state: 'signedIn', refreshable: true } : {}),
      ],
      sign_out: () => {
        signedIn = false;
        return {
          session: 'acme',
          signedOutServerSide: false,
          serverSideNote: 'the portal was unreachable',
          removedFiles: [],
          summary:
            'Portal session not ended (the portal was unreachable); removed the sign-in token, 2 cached role credentials and the keyring copies.',
        };
      },
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByTestId('sign-out-acme'));

    await waitFor(() => expect(badge('acme')).toBe('Signed out'));
    expect(calls.filter((c) => c.cmd === 'sign_out')).toEqual([
      { cmd: 'sign_out', args: { session: 'acme' } },
    ]);
    expect(screen.queryByTestId('sign-out-acme')).toBeNull();
    const notice = screen.getByTestId('notice-acme').textContent;
    expect(notice).toContain('the portal was unreachable');
    expect(notice).toContain('2 cached role credentials');
  });
});

describe('Sessions: a company start URL', () => {
  const VANITY = 'https://aws.corp.example/start';
  const resolved = {
    startUrl: VANITY,
    resolvedUrl: 'https://ssoins-1.portal.eu-west-1.app.aws',
    portalHost: 'ssoins-1.portal.eu-west-1.app.aws',
    region: 'eu-west-1',
    regionFromHost: true,
  };

  it('without a region: asks where it leads, shows the portal, saves with its region', async () => {
    const calls = mockShell({
      list_identities: () => [],
      resolve_start_url: () => resolved,
      save_identity: (args) => status('corp', {}, { ...(args.input as object) }),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add identity' }));
    await fireEvent.input(input('identity-session'), { target: { value: 'corp' } });
    await fireEvent.input(input('identity-start-url'), { target: { value: VANITY } });
    await fireEvent.blur(input('identity-start-url'));
    await waitFor(() =>
      expect(screen.getByTestId('identity-portal').textContent).toContain(
        'Leads to ssoins-1.portal.eu-west-1.app.aws · region eu-west-1',
      ),
    );
    expect(input('identity-region').value).toBe('eu-west-1');
    await fireEvent.click(screen.getByTestId('identity-save'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.cmd === 'resolve_start_url')?.args).toEqual({
      startUrl: VANITY,
      region: null,
    });
    expect(calls.find((c) => c.cmd === 'save_identity')?.args).toEqual({
      input: { session: 'corp', startUrl: VANITY, region: 'eu-west-1', scopes: [] },
    });
  });

  it('keeps a region typed while the address was asked, and drops the hint once the URL changes', async () => {
    let answer: (r: typeof resolved) => void = () => {};
    mockShell({
      list_identities: () => [],
      resolve_start_url: () => new Promise((r) => (answer = r)),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add identity' }));
    await fireEvent.input(input('identity-start-url'), { target: { value: VANITY } });
    await fireEvent.blur(input('identity-start-url'));
    await waitFor(() =>
      expect(screen.getByTestId('identity-portal').textContent).toContain('Finding your portal'),
    );
    await fireEvent.input(input('identity-region'), { target: { value: 'ap-south-1' } });
    answer(resolved);
    await waitFor(() =>
      expect(screen.getByTestId('identity-portal').textContent).toContain('Leads to'),
    );
    expect(input('identity-region').value).toBe('ap-south-1');
    await fireEvent.input(input('identity-start-url'), {
      target: { value: 'https://other.corp.example' },
    });
    await waitFor(() =>
      expect(screen.getByTestId('identity-portal').textContent).not.toContain('Leads to'),
    );
  });

  it('one that leads nowhere usable is shown next to the start URL, nothing saved', async () => {
    const calls = mockShell({
      list_identities: () => [],
      resolve_start_url: () =>
        Promise.reject({
          code: 'InvalidInput',
          message: `invalid startUrl: Could not resolve start URL '${VANITY}' to an AWS-owned endpoint. Final URL: 'https://evil.example'`,
        }),
    });
    render(SessionsView);
    await fireEvent.click(await screen.findByRole('button', { name: 'Add identity' }));
    await fireEvent.input(input('identity-session'), { target: { value: 'corp' } });
    await fireEvent.input(input('identity-start-url'), { target: { value: VANITY } });
    await fireEvent.click(screen.getByTestId('identity-save'));
    await waitFor(() =>
      expect(screen.getByTestId('identity-start-url-error').textContent).toContain(
        'to an AWS-owned endpoint',
      ),
    );
    expect(calls.some((c) => c.cmd === 'save_identity')).toBe(false);
    expect(screen.getByRole('dialog')).toBeTruthy();
  });
});
