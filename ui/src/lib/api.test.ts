import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { AppError, NAVIGATE_EVENT, getAppInfo, isTauri, onNavigate, type AppInfo } from './api';

const INFO: AppInfo = {
  version: '1.2.3',
  demo: false,
  platform: 'linux',
  awsConfigFile: '/home/dev/.aws/config',
  ssoCacheDir: '/home/dev/.aws/sso/cache',
  dataDir: '/home/dev/.local/share/lanyard',
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
