// The only module that talks to Tauri. Components import from here, never from
// `@tauri-apps/*`, so the UI can be rendered in a plain browser or jsdom with the
// IPC mocked (`mockIPC` from `@tauri-apps/api/mocks`).
//
// Command and event names live here and in src-tauri's `generate_handler!`;
// review the two together.

import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';

import type { AppInfo } from './bindings/AppInfo';
import { isView, type View } from './navigation';

export type { AppInfo } from './bindings/AppInfo';
export type { View } from './navigation';

/** Event the shell (e.g. the tray menu) emits to switch the visible view. Payload: a `View` id. */
export const NAVIGATE_EVENT = 'app://navigate';

/**
 * Every failed command surfaces as an `AppError`. The Rust side rejects with
 * `{ code, message }` (`CmdError`); branch on `code`, show `message`.
 * Anything else (a plain string, a JS exception) becomes code `"Unknown"`.
 */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }

  static from(raw: unknown): AppError {
    if (raw instanceof AppError) return raw;
    if (
      typeof raw === 'object' &&
      raw !== null &&
      typeof (raw as { code?: unknown }).code === 'string' &&
      typeof (raw as { message?: unknown }).message === 'string'
    ) {
      const { code, message } = raw as { code: string; message: string };
      return new AppError(code, message);
    }
    if (typeof raw === 'string') return new AppError('Unknown', raw);
    if (raw instanceof Error) return new AppError('Unknown', raw.message);
    let text: string;
    try {
      text = JSON.stringify(raw) ?? String(raw);
    } catch {
      text = String(raw);
    }
    return new AppError('Unknown', text);
  }
}

/** `invoke` with every rejection normalised to `AppError`. */
async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    throw AppError.from(raw);
  }
}

/** True when running inside the Tauri webview (or under `mockIPC`). */
export function isTauri(): boolean {
  const internals = (globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } }).__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

/** Version, platform and the paths Lanyard reads and writes. */
export function getAppInfo(): Promise<AppInfo> {
  return call<AppInfo>('app_info');
}

/**
 * Subscribe to navigation requests from the shell (tray menu items).
 * Unknown view ids are ignored. Resolves to the unsubscribe function.
 * Outside Tauri there is no event source, so this is a no-op.
 */
export async function onNavigate(cb: (view: View) => void): Promise<() => void> {
  if (!isTauri()) return () => {};
  let unlisten: () => void;
  try {
    unlisten = await listen<string>(NAVIGATE_EVENT, (event) => {
      if (isView(event.payload)) cb(event.payload);
    });
  } catch (raw) {
    throw AppError.from(raw);
  }
  // Tauri's unlisten is async and rejects if the webview is already being torn down;
  // there is nothing the caller could do about that.
  return () => {
    Promise.resolve(unlisten()).catch((err: unknown) =>
      console.warn('Lanyard: unlisten failed', AppError.from(err).message),
    );
  };
}
