import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { mockShell } from '../test/shell';
import {
  AppError,
  cloneInBackground,
  copyExport,
  diagnostics,
  getSettings,
  hideSwitcher,
  openConsole,
  saveSettings,
  switcherEntries,
  type AppSettings,
  type CloneRequest,
  type SwitcherEntry,
} from './api';

afterEach(() => clearMocks());

const SETTINGS: AppSettings = {
  cloneRoot: '/home/dev/src',
  template: '{account_name}-{role_name}',
  regions: ['us-east-1'],
  refreshMinutes: 5,
  startAtLogin: false,
  notifications: true,
  pullRequestNotifications: true,
  switcherShortcut: 'CommandOrControl+Shift+L',
};
const REQUEST: CloneRequest = {
  session: 'acme',
  accountId: '111111111111',
  accountName: 'prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  repository: 'ledger',
  dest: null,
};
const ENTRY: SwitcherEntry = {
  kind: 'repository',
  key: 'repo:111111111111/eu-west-1/ledger',
  title: 'ledger',
  detail: null,
  session: 'acme',
  accountId: '111111111111',
  accountName: 'prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  favourite: false,
  path: null,
  clone: REQUEST,
  pullRequest: null,
};

describe('settings, console and switcher commands', () => {
  it.each([
    ['get_settings', () => getSettings(), {}, SETTINGS],
    ['save_settings', () => saveSettings(SETTINGS), { settings: SETTINGS }, SETTINGS],
    [
      'diagnostics',
      () => diagnostics(),
      {},
      { text: 'lanyard 0.4.2', logFile: '/tmp/lanyard.log' },
    ],
    ['open_console', () => openConsole('prod-Developer'), { profile: 'prod-Developer' }, null],
    [
      'copy_export',
      () => copyExport('prod-Developer'),
      { profile: 'prod-Developer' },
      'export AWS_PROFILE=prod-Developer',
    ],
    ['switcher_entries', () => switcherEntries(), {}, [ENTRY]],
    ['hide_switcher', () => hideSwitcher(), {}, null],
    ['clone_in_background', () => cloneInBackground(REQUEST), { request: REQUEST }, null],
  ] as const)('%s is invoked with its arguments', async (cmd, run, args, answer) => {
    const calls = mockShell({ [cmd]: () => answer });
    await expect(run()).resolves.toEqual(answer);
    expect(calls).toEqual([{ cmd, args }]);
  });

  it('saveSettings rejects with InvalidInput as an AppError', async () => {
    mockShell({
      save_settings: () =>
        Promise.reject({
          code: 'InvalidInput',
          message: 'the clone root /x is not writable: denied',
        }),
    });
    const err = await saveSettings(SETTINGS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('InvalidInput');
    expect((err as AppError).message).toBe('the clone root /x is not writable: denied');
  });
});
