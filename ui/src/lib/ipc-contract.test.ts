// The JSON each api.ts wrapper sends, recorded in ipc-contract.json. `cargo test -p lanyard-app`
// replays every entry through the real command handlers (Tauri's mock runtime) and fails when a
// command refuses its arguments; this test fails when the UI sends something the file does not
// say. After changing what a wrapper sends: UPDATE_IPC_CONTRACT=1 npm --prefix ui test, then
// `cargo test -p lanyard-app ipc_contract`.
//
// The arguments are chosen so that every command, replayed against an empty sandbox, is refused
// by its own checks before it could reach outside it (no browser, clipboard or network).

import { readFileSync, writeFileSync } from 'node:fs';

import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, expect, it } from 'vitest';

import * as api from './api';
import type { AppSettings } from './bindings/AppSettings';
import type { CloneRequest } from './bindings/CloneRequest';
import type { ProfileSettings } from './bindings/ProfileSettings';
import type { PullRequestRef } from './bindings/PullRequestRef';

// vite-node gives each test module its own folder (import.meta.url is not a file: URL in jsdom).
const FILE = `${__dirname}/ipc-contract.json`;

const SETTINGS: ProfileSettings = {
  template: '{account_name}/{role_name}',
  defaultRegion: 'eu-west-1',
  accountRegions: { '111111111111': 'us-east-2' },
  output: 'json',
  overrides: { '111111111111/ReadOnly': 'prod-ro' },
  credentialProcess: true,
  credentialProcessSuffix: '-process',
};

const APP_SETTINGS: AppSettings = {
  cloneRoot: 'relative/is/refused',
  template: '{account_name}/{role_name}',
  regions: ['eu-west-1'],
  refreshMinutes: 5,
  startAtLogin: false,
  notifications: true,
  pullRequestNotifications: true,
  switcherShortcut: '',
};

const CLONE: CloneRequest = {
  session: 'no-such-session',
  accountId: '111111111111',
  accountName: 'payments-prod',
  roleName: 'ReadOnly',
  region: 'eu-west-1',
  repository: 'payments-api',
  dest: null,
};

const PULL_REQUEST: PullRequestRef = {
  session: 'no-such-session',
  accountId: '111111111111',
  region: 'eu-west-1',
  id: '1',
};

/** Every wrapper that invokes a command, with arguments of every shape it can send. */
const CALLS: [string, () => Promise<unknown> | void][] = [
  ['getAppInfo', () => api.getAppInfo()],
  ['rememberView', () => api.rememberView('{"view":"accounts"}')],
  ['recallView', () => api.recallView()],
  ['listIdentities', () => api.listIdentities()],
  [
    'saveIdentity',
    () =>
      api.saveIdentity({
        session: 'bad name',
        startUrl: 'https://acme.awsapps.com/start',
        region: 'eu-west-1',
        scopes: ['sso:account:access'],
      }),
  ],
  ['resolveStartUrl', () => api.resolveStartUrl('https://acme.awsapps.com/start', 'eu-west-1')],
  ['resolveStartUrl (no region)', () => api.resolveStartUrl('http://not-https.example', null)],
  ['removeIdentity', () => api.removeIdentity('no-such-session')],
  ['signIn', () => api.signIn('no-such-session', 'auto', () => {})],
  ['signIn (PKCE)', () => api.signIn('no-such-session', 'authCode', () => {})],
  ['signIn (device code)', () => api.signIn('no-such-session', 'deviceCode', () => {})],
  ['cancelSignIn', () => api.cancelSignIn('no-such-session')],
  ['signOut', () => api.signOut('no-such-session')],
  ['openUrl', () => api.openUrl('about:blank')],
  ['cachedAccounts', () => api.cachedAccounts('no-such-session')],
  ['discoverAccounts', () => api.discoverAccounts('no-such-session', () => {})],
  ['getProfileSettings', () => api.getProfileSettings('no-such-session')],
  ['planProfiles', () => api.planProfiles('no-such-session', SETTINGS)],
  ['applyProfiles', () => api.applyProfiles('no-such-session', SETTINGS)],
  ['listFavourites', () => api.listFavourites()],
  ['setFavourite', () => api.setFavourite('no-such-profile', true)],
  ['previewOffboard', () => api.previewOffboard()],
  ['offboard', () => api.offboard()],
  ['cachedRepositories', () => api.cachedRepositories()],
  ['scanRepositories', () => api.scanRepositories('no-such-session', () => {})],
  ['cloneRepository', () => api.cloneRepository(CLONE, () => {})],
  ['cancelClone', () => api.cancelClone({ ...CLONE, dest: '/tmp/somewhere' })],
  ['recentClones', () => api.recentClones()],
  ['helperStatus', () => api.helperStatus()],
  ['openFolder', () => api.openFolder('relative/is/refused')],
  ['cachedPullRequests', () => api.cachedPullRequests()],
  ['refreshPullRequests', () => api.refreshPullRequests('no-such-session')],
  ['approvePullRequest', () => api.approvePullRequest(PULL_REQUEST, false)],
  ['approvePullRequest (revoke)', () => api.approvePullRequest(PULL_REQUEST, true)],
  ['checkoutPullRequest', () => api.checkoutPullRequest(PULL_REQUEST)],
  ['openPullRequest', () => api.openPullRequest(PULL_REQUEST)],
  ['getSettings', () => api.getSettings()],
  ['saveSettings', () => api.saveSettings(APP_SETTINGS)],
  ['diagnostics', () => api.diagnostics()],
  ['openConsole', () => api.openConsole('no-such-profile')],
  ['copyExport', () => api.copyExport('')],
  ['copyCredentials', () => api.copyCredentials('no-such-profile')],
  ['openTerminal', () => api.openTerminal('no-such-profile')],
  ['serveCredentials', () => api.serveCredentials('no-such-profile', true)],
  ['serveCredentials (stop)', () => api.serveCredentials('no-such-profile', false)],
  ['listEndpoints', () => api.listEndpoints()],
  ['copyEndpoint', () => api.copyEndpoint('no-such-profile')],
  ['switcherEntries', () => api.switcherEntries()],
  ['hideSwitcher', () => api.hideSwitcher()],
  ['cloneInBackground', () => api.cloneInBackground(CLONE)],
  ['copyText', () => api.copyText('')],
  ['reportTiming', () => api.reportTiming('switcher: filtered 3 entries', 4.2)],
  [
    'uiReady',
    () =>
      api.uiReady({ timeOrigin: 1.5, script: 20, mounted: 30, firstFrame: 40, secondFrame: 50 }),
  ],
  ['uiReady (no marks)', () => api.uiReady()],
];

/** What goes over the IPC: JSON, with a Channel as its `__CHANNEL__:<id>` string (ids vary). */
async function record(): Promise<{ wrapper: string; cmd: string; args: unknown }[]> {
  const sent: { wrapper: string; cmd: string; args: unknown }[] = [];
  let wrapper = '';
  mockIPC((cmd, args) => {
    const json = JSON.stringify(args ?? {}).replace(/"__CHANNEL__:\d+"/g, '"__CHANNEL__:1"');
    sent.push({ wrapper, cmd, args: JSON.parse(json) });
    return null;
  });
  for (const [name, run] of CALLS) {
    wrapper = name;
    await run();
  }
  return sent;
}

afterEach(() => clearMocks());

it('every command the UI invokes is in the contract the Rust side replays', async () => {
  const sent = await record();
  if (process.env.UPDATE_IPC_CONTRACT) {
    writeFileSync(FILE, JSON.stringify(sent, null, 2) + '\n');
  }
  const contract = JSON.parse(readFileSync(FILE, 'utf8'));
  expect(sent, 'run UPDATE_IPC_CONTRACT=1 npm --prefix ui test, then cargo test').toEqual(contract);
});

it('the contract covers every command api.ts can invoke', async () => {
  const source = readFileSync(`${__dirname}/api.ts`, 'utf8');
  const invoked = new Set([...source.matchAll(/call<[^>]*>\('([a-z_]+)'/g)].map((m) => m[1]));
  const recorded = new Set((await record()).map((s) => s.cmd));
  expect([...recorded].sort()).toEqual([...invoked].sort());
});
