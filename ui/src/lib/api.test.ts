import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell, status } from '../test/shell';
import {
  AppError,
  NAVIGATE_EVENT,
  SESSIONS_CHANGED_EVENT,
  cancelSignIn,
  getAppInfo,
  isTauri,
  listIdentities,
  onNavigate,
  onSessionsChanged,
  openUrl,
  removeIdentity,
  saveIdentity,
  signIn,
  signOut,
  type AppInfo,
  type IdentityStatus,
  type LoginStep,
} from './api';

const INFO: AppInfo = {
  version: '1.2.3',
  demo: false,
  platform: 'linux',
  awsConfigFile: '/home/dev/.aws/config',
  ssoCacheDir: '/home/dev/.aws/sso/cache',
  dataDir: '/home/dev/.local/share/lanyard',
  keyring: 'Secret Service',
  keyringNote: null,
};

afterEach(() => clearMocks());

describe('getAppInfo', () => {
  it('invokes the app_info command and returns its payload', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === 'app_info') return INFO;
      throw new Error(`unexpected command ${cmd}`);
    });

    await expect(getAppInfo()).resolves.toEqual(INFO);
    expect(calls).toEqual(['app_info']);
  });

  it('turns a {code, message} rejection into an AppError with those fields', async () => {
    mockIPC(() => {
      throw { code: 'NotLoggedIn', message: 'not signed in to https://example.awsapps.com/start' };
    });

    const err = await getAppInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'NotLoggedIn',
      message: 'not signed in to https://example.awsapps.com/start',
    });
  });

  it('turns a plain string rejection into an AppError with code "Unknown"', async () => {
    mockIPC(() => Promise.reject('command app_info not found'));

    const err = await getAppInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'Unknown', message: 'command app_info not found' });
  });

  it('turns a JS exception into an AppError with code "Unknown" and its message', async () => {
    mockIPC(() => {
      throw new TypeError('IPC channel closed');
    });

    const err = await getAppInfo().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'Unknown', message: 'IPC channel closed' });
  });
});

describe('isTauri', () => {
  it('is false in a plain browser and true once the Tauri internals exist', () => {
    expect(isTauri()).toBe(false);
    mockIPC(() => undefined);
    expect(isTauri()).toBe(true);
  });
});

describe('onNavigate', () => {
  it(`delivers known view ids from ${NAVIGATE_EVENT}, ignores others, and unsubscribes`, async () => {
    mockIPC(() => undefined, { shouldMockEvents: true });
    const seen: string[] = [];
    const stop = await onNavigate((view) => seen.push(view));

    await emit(NAVIGATE_EVENT, 'repositories');
    await emit(NAVIGATE_EVENT, 'no-such-view');
    await emit('app://something-else', 'settings');
    expect(seen).toEqual(['repositories']);

    stop();
    await emit(NAVIGATE_EVENT, 'settings');
    expect(seen).toEqual(['repositories']);
  });

  it('is a no-op outside Tauri', async () => {
    const cb = vi.fn();
    const stop = await onNavigate(cb);
    expect(() => stop()).not.toThrow();
    expect(cb).not.toHaveBeenCalled();
  });
});

describe('identity commands', () => {
  const ACME = status('acme', { state: 'signedIn', refreshable: true });

  it('listIdentities invokes list_identities without arguments', async () => {
    const calls = mockShell({ list_identities: () => [ACME] });

    await expect(listIdentities()).resolves.toEqual([ACME]);
    expect(calls).toEqual([{ cmd: 'list_identities', args: {} }]);
  });

  it('saveIdentity sends the input as `input`', async () => {
    const calls = mockShell({ save_identity: () => ACME });
    const input = {
      session: 'acme',
      startUrl: 'https://acme.awsapps.com/start',
      region: 'eu-west-1',
      scopes: [],
    };

    await expect(saveIdentity(input)).resolves.toEqual(ACME);
    expect(calls).toEqual([{ cmd: 'save_identity', args: { input } }]);
  });

  it('saveIdentity rejects with the InvalidInput code and message', async () => {
    mockShell({
      save_identity: () =>
        Promise.reject({
          code: 'InvalidInput',
          message: 'invalid region: "mars-1" is not an AWS region',
        }),
    });

    const err = await saveIdentity({
      session: 'a',
      startUrl: 'https://a',
      region: 'mars-1',
      scopes: [],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'InvalidInput',
      message: 'invalid region: "mars-1" is not an AWS region',
    });
  });

  it.each([
    ['removeIdentity', 'remove_identity', () => removeIdentity('acme'), { session: 'acme' }],
    ['cancelSignIn', 'cancel_sign_in', () => cancelSignIn('acme'), { session: 'acme' }],
    ['signOut', 'sign_out', () => signOut('acme'), { session: 'acme' }],
    [
      'openUrl',
      'open_url',
      () => openUrl('https://device.sso.eu-west-1.amazonaws.com/'),
      {
        url: 'https://device.sso.eu-west-1.amazonaws.com/',
      },
    ],
  ])('%s invokes %s with %o', async (_name, cmd, run, args) => {
    const calls = mockShell({ [cmd]: () => null });
    await run();
    expect(calls).toEqual([{ cmd, args }]);
  });

  it('signOut returns the logout report', async () => {
    const report = {
      session: 'acme',
      signedOutServerSide: false,
      serverSideNote: 'portal unreachable',
      removedFiles: ['/x.json'],
    };
    mockShell({ sign_out: () => report });
    await expect(signOut('acme')).resolves.toEqual(report);
  });
});

describe('signIn', () => {
  it('invokes sign_in with session, method and a Channel whose messages reach onStep in order', async () => {
    const done = deferred<IdentityStatus>();
    let end: ChannelEnd<LoginStep> | undefined;
    const calls = mockShell({
      sign_in: (args) => {
        end = ChannelEnd.of<LoginStep>(args.onStep);
        return done.promise;
      },
    });
    const steps: LoginStep[] = [];

    const result = signIn('acme', 'deviceCode', (s) => steps.push(s));
    await vi.waitFor(() => expect(end).toBeDefined());
    expect(calls.map((c) => [c.cmd, c.args.session, c.args.method])).toEqual([
      ['sign_in', 'acme', 'deviceCode'],
    ]);
    expect(Object.keys(calls[0]!.args).sort()).toEqual(['method', 'onStep', 'session']);

    const code: LoginStep = {
      step: 'deviceCode',
      userCode: 'WXYZ-1234',
      verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
      verificationUriComplete: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=WXYZ-1234',
      expiresAt: '2030-01-01T00:10:00Z',
    };
    end!.send(code);
    end!.send({ step: 'slowDown', intervalSecs: 10 });
    end!.send({ step: 'exchanging' });
    const signedIn = status('acme', { state: 'signedIn' });
    done.resolve(signedIn);

    await expect(result).resolves.toEqual(signedIn);
    expect(steps).toEqual([code, { step: 'slowDown', intervalSecs: 10 }, { step: 'exchanging' }]);
  });

  it('rejects with code Cancelled when the sign-in is cancelled', async () => {
    mockShell({
      sign_in: () => Promise.reject({ code: 'Cancelled', message: 'sign-in to acme cancelled' }),
    });

    const err = await signIn('acme', 'auto', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'Cancelled' });
  });

  it('rejects with an AppError outside Tauri', async () => {
    const err = await signIn('acme', 'auto', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
  });
});

describe('onSessionsChanged', () => {
  it(`delivers ${SESSIONS_CHANGED_EVENT} payloads until unsubscribed`, async () => {
    mockShell({});
    const seen: IdentityStatus[][] = [];
    const stop = await onSessionsChanged((list) => seen.push(list));

    const list = [status('acme', { state: 'signedIn' }), status('beta')];
    await emit(SESSIONS_CHANGED_EVENT, list);
    await emit(NAVIGATE_EVENT, 'settings');
    expect(seen).toEqual([list]);

    stop();
    await emit(SESSIONS_CHANGED_EVENT, []);
    expect(seen).toEqual([list]);
  });

  it('is a no-op outside Tauri', async () => {
    const cb = vi.fn();
    const stop = await onSessionsChanged(cb);
    expect(() => stop()).not.toThrow();
    expect(cb).not.toHaveBeenCalled();
  });
});
