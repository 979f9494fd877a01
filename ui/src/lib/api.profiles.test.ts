import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell } from '../test/shell';
import {
  AppError,
  applyProfiles,
  cachedAccounts,
  discoverAccounts,
  getProfileSettings,
  listFavourites,
  offboard,
  planProfiles,
  previewOffboard,
  setFavourite,
  type AccountRoles,
  type DiscoveryEvent,
  type ProfileSettings,
} from './api';

afterEach(() => clearMocks());

const ACCOUNT: AccountRoles = {
  accountId: '111111111111',
  accountName: 'prod',
  email: 'p@x.io',
  roles: ['Admin'],
};
const SETTINGS: ProfileSettings = {
  template: '{account_name}-{role_name}',
  defaultRegion: 'eu-west-1',
  accountRegions: { '111111111111': 'us-east-1' },
  output: 'json',
  overrides: { '111111111111/Admin': 'prod' },
  credentialProcess: false,
  credentialProcessSuffix: '-process',
};
const PLAN = {
  session: 'acme',
  profiles: [],
  diff: { added: [], changed: [], removed: [], unchanged: 0 },
  warnings: [],
  configFile: '/home/dev/.aws/config',
};
const OFFBOARD = { dryRun: true, signedOut: ['acme'], removed: ['profile prod'], left: [] };

describe('accounts and profiles commands', () => {
  it.each([
    ['cached_accounts', () => cachedAccounts('acme'), { session: 'acme' }, [ACCOUNT]],
    ['get_profile_settings', () => getProfileSettings('acme'), { session: 'acme' }, SETTINGS],
    [
      'plan_profiles',
      () => planProfiles('acme', SETTINGS),
      { session: 'acme', settings: SETTINGS },
      PLAN,
    ],
    [
      'apply_profiles',
      () => applyProfiles('acme', SETTINGS),
      { session: 'acme', settings: SETTINGS },
      { diff: PLAN.diff, backup: null },
    ],
    ['list_favourites', () => listFavourites(), {}, ['prod']],
    [
      'set_favourite',
      () => setFavourite('prod', true),
      { profile: 'prod', favourite: true },
      ['prod'],
    ],
    ['preview_offboard', () => previewOffboard(), {}, OFFBOARD],
    ['offboard', () => offboard(), {}, { ...OFFBOARD, dryRun: false }],
  ] as const)('%s is invoked with its arguments', async (cmd, run, args, answer) => {
    const calls = mockShell({ [cmd]: () => answer });
    await expect(run()).resolves.toEqual(answer);
    expect(calls).toEqual([{ cmd, args }]);
  });

  it('setFavourite(…, false) passes favourite: false', async () => {
    const calls = mockShell({ set_favourite: () => [] });
    await expect(setFavourite('dev', false)).resolves.toEqual([]);
    expect(calls[0]!.args).toEqual({ profile: 'dev', favourite: false });
  });

  it('planProfiles rejects with the InvalidInput AppError', async () => {
    mockShell({
      plan_profiles: () =>
        Promise.reject({ code: 'InvalidInput', message: 'invalid template: unknown {foo}' }),
    });
    const err = await planProfiles('acme', SETTINGS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'InvalidInput', message: 'invalid template: unknown {foo}' });
  });
});

describe('discoverAccounts', () => {
  it('invokes discover_accounts with session and a Channel whose events reach onEvent', async () => {
    const done = deferred<AccountRoles[]>();
    let end: ChannelEnd<DiscoveryEvent> | undefined;
    const calls = mockShell({
      discover_accounts: (args) => {
        end = ChannelEnd.of<DiscoveryEvent>(args.onEvent);
        return done.promise;
      },
    });
    const events: DiscoveryEvent[] = [];
    const result = discoverAccounts('acme', (e) => events.push(e));
    await vi.waitFor(() => expect(end).toBeDefined());
    expect(calls.map((c) => c.cmd)).toEqual(['discover_accounts']);
    expect(Object.keys(calls[0]!.args).sort()).toEqual(['onEvent', 'session']);
    expect(calls[0]!.args.session).toBe('acme');

    const event: DiscoveryEvent = {
      account: ACCOUNT,
      progress: {
        accountsDone: 1,
        accountsTotal: 2,
        listingComplete: false,
        throttled: 0,
        etaSecs: null,
      },
    };
    end!.send(event);
    done.resolve([ACCOUNT]);
    await expect(result).resolves.toEqual([ACCOUNT]);
    expect(events).toEqual([event]);
  });

  it('rejects with NotSignedIn as an AppError', async () => {
    mockShell({
      discover_accounts: () =>
        Promise.reject({ code: 'NotSignedIn', message: 'not signed in to acme' }),
    });
    const err = await discoverAccounts('acme', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('NotSignedIn');
  });
});
