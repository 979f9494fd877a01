import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';

import { deferred, mockShell, type Handlers } from '../../test/shell';
import type { AppInfo } from '../bindings/AppInfo';
import type { AppSettings } from '../bindings/AppSettings';
import SettingsView from './SettingsView.svelte';

const INFO: AppInfo = {
  version: '0.4.2',
  demo: false,
  platform: 'linux',
  awsConfigFile: '/home/dev/.aws/config',
  ssoCacheDir: '/home/dev/.aws/sso/cache',
  dataDir: '/home/dev/.local/share/lanyard',
  keyring: 'Secret Service',
  keyringNote: null,
};

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

function shell(over: Handlers = {}) {
  return mockShell({
    get_settings: () => SETTINGS,
    save_settings: (args) => args.settings,
    diagnostics: () => ({
      text: 'lanyard 0.4.2\nlog: …',
      logFile: '/home/dev/.local/state/lanyard/lanyard.log',
    }),
    copy_text: () => null,
    ...over,
  });
}

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const save = () => screen.getByTestId('settings-save') as HTMLButtonElement;

afterEach(async () => {
  cleanup();
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
});

describe('Settings: preferences', () => {
  it('loads the saved values into labelled fields, with Save disabled until something changes', async () => {
    shell();
    render(SettingsView, { info: INFO, loading: false });

    await screen.findByTestId('settings-form');
    expect(screen.getByLabelText('Clone root')).toBe(field('settings-clone-root'));
    expect(field('settings-clone-root').value).toBe('/home/dev/src');
    expect(field('settings-template').value).toBe('{account_name}-{role_name}');
    expect(field('settings-regions').value).toBe('us-east-1');
    expect(field('settings-refresh').value).toBe('5');
    expect(field('settings-start-at-login').checked).toBe(false);
    expect(field('settings-notifications').checked).toBe(true);
    expect(field('settings-pr-notifications').checked).toBe(true);
    expect(screen.getByLabelText('Start Lanyard when you log in')).toBe(
      field('settings-start-at-login'),
    );
    expect(field('settings-shortcut').value).toBe('CommandOrControl+Shift+L');
    expect(screen.getByTestId('settings-form').textContent).toContain('{session}');
    expect(save().disabled).toBe(true);
    // The existing sections are still there.
    expect(screen.getByTestId('app-version').textContent).toBe('0.4.2');
  });

  it('saves exactly the edited settings, then shows Saved', async () => {
    const calls = shell();
    render(SettingsView, { info: INFO, loading: false });
    await screen.findByTestId('settings-form');

    await fireEvent.input(field('settings-clone-root'), { target: { value: '  /work/code ' } });
    await fireEvent.input(field('settings-regions'), {
      target: { value: 'EU-west-1, us-east-1 eu-west-1,,ap-south-1' },
    });
    await fireEvent.input(field('settings-refresh'), { target: { value: '15' } });
    await fireEvent.click(field('settings-start-at-login'));
    await fireEvent.click(field('settings-notifications'));
    await fireEvent.input(field('settings-shortcut'), { target: { value: '' } });
    expect(save().disabled).toBe(false);

    await fireEvent.click(save());
    expect(await screen.findByTestId('settings-saved')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args)).toEqual([
      {
        settings: {
          cloneRoot: '/work/code',
          template: '{account_name}-{role_name}',
          regions: ['eu-west-1', 'us-east-1', 'ap-south-1'],
          refreshMinutes: 15,
          startAtLogin: true,
          notifications: false,
          pullRequestNotifications: true,
          switcherShortcut: '',
        },
      },
    ]);
    expect(field('settings-regions').value).toBe('eu-west-1, us-east-1, ap-south-1');
    expect(save().disabled).toBe(true);
  });

  it('offers pull request notifications only while notifications are on, and saves the choice', async () => {
    const calls = shell();
    render(SettingsView, { info: INFO, loading: false });
    await screen.findByTestId('settings-form');

    const prs = screen.getByLabelText('Notify me about pull requests') as HTMLInputElement;
    expect(prs).toBe(field('settings-pr-notifications'));
    expect(prs.disabled).toBe(false);
    expect(screen.getByText(/When one starts waiting for you, and when yours is approved/)).toBe(
      document.getElementById(prs.getAttribute('aria-describedby') ?? ''),
    );

    await fireEvent.click(field('settings-notifications'));
    expect(prs.disabled).toBe(true);
    await fireEvent.click(field('settings-notifications'));
    expect(prs.disabled).toBe(false);

    await fireEvent.click(prs);
    await fireEvent.click(save());
    expect(await screen.findByTestId('settings-saved')).toBeTruthy();
    expect(calls.filter((c) => c.cmd === 'save_settings').map((c) => c.args)).toEqual([
      { settings: { ...SETTINGS, pullRequestNotifications: false } },
    ]);
    expect(prs.checked).toBe(false);
  });

  it('keeps the edits and shows the message when saving fails; Reset goes back to the saved values', async () => {
    shell({
      save_settings: () =>
        Promise.reject({
          code: 'InvalidInput',
          message: 'the clone root /nope is not writable: permission denied',
        }),
    });
    render(SettingsView, { info: INFO, loading: false });
    await screen.findByTestId('settings-form');

    await fireEvent.input(field('settings-clone-root'), { target: { value: '/nope' } });
    await fireEvent.click(save());

    const error = await screen.findByTestId('settings-error');
    expect(error.textContent).toContain('the clone root /nope is not writable: permission denied');
    expect(field('settings-clone-root').value).toBe('/nope');
    expect(screen.queryByTestId('settings-saved')).toBeNull();
    expect(save().disabled).toBe(false);

    await fireEvent.click(screen.getByTestId('settings-reset'));
    expect(field('settings-clone-root').value).toBe('/home/dev/src');
    expect(screen.queryByTestId('settings-error')).toBeNull();
    expect(save().disabled).toBe(true);
  });

  it('disables Save while saving and for a refresh cadence outside 1–60', async () => {
    const pending = deferred<AppSettings>();
    shell({ save_settings: () => pending.promise });
    render(SettingsView, { info: INFO, loading: false });
    await screen.findByTestId('settings-form');

    await fireEvent.input(field('settings-refresh'), { target: { value: '90' } });
    expect(field('settings-refresh').getAttribute('aria-invalid')).toBe('true');
    expect(save().disabled).toBe(true);

    await fireEvent.input(field('settings-refresh'), { target: { value: '30' } });
    expect(save().disabled).toBe(false);
    await fireEvent.click(save());
    await waitFor(() => expect(save().textContent?.trim()).toBe('Saving…'));
    expect(save().disabled).toBe(true);
    pending.resolve({ ...SETTINGS, refreshMinutes: 30 });
    expect(await screen.findByTestId('settings-saved')).toBeTruthy();
  });

  it('shows a load failure with Retry', async () => {
    let fail = true;
    shell({
      get_settings: () =>
        fail ? Promise.reject({ code: 'Io', message: 'settings.json is unreadable' }) : SETTINGS,
    });
    render(SettingsView, { info: INFO, loading: false });

    expect(await screen.findByText('settings.json is unreadable')).toBeTruthy();
    fail = false;
    await fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await screen.findByTestId('settings-form');
    expect(field('settings-clone-root').value).toBe('/home/dev/src');
  });
});

describe('Settings: diagnostics', () => {
  it('copies the diagnostics text and says where it came from', async () => {
    const calls = shell();
    render(SettingsView, { info: INFO, loading: false });

    await fireEvent.click(screen.getByTestId('copy-diagnostics'));
    const copied = await screen.findByTestId('diagnostics-copied');
    expect(calls.filter((c) => c.cmd === 'copy_text').map((c) => c.args)).toEqual([
      { text: 'lanyard 0.4.2\nlog: …' },
    ]);
    expect(copied.textContent).toContain('Copied — paste it into your bug report');
    expect(copied.textContent).toContain('/home/dev/.local/state/lanyard/lanyard.log');
  });

  it('shows why it could not copy', async () => {
    const calls = shell({
      diagnostics: () => Promise.reject({ code: 'Io', message: 'no log file yet' }),
    });
    render(SettingsView, { info: INFO, loading: false });

    await fireEvent.click(screen.getByTestId('copy-diagnostics'));
    expect(await screen.findByText('no log file yet')).toBeTruthy();
    expect(calls.some((c) => c.cmd === 'copy_text')).toBe(false);
    expect(screen.queryByTestId('diagnostics-copied')).toBeNull();
  });
});
