import { emit } from '@tauri-apps/api/event';
import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { inbox, mockShell, pullRequest } from '../test/shell';
import {
  AppError,
  PULL_REQUESTS_CHANGED_EVENT,
  SESSIONS_CHANGED_EVENT,
  approvePullRequest,
  cachedPullRequests,
  checkoutPullRequest,
  onPullRequestsChanged,
  openPullRequest,
  refreshPullRequests,
  type Checkout,
  type Inbox,
  type PullRequestRef,
} from './api';

afterEach(() => clearMocks());

const INBOX = inbox([pullRequest('12')]);
const TARGET: PullRequestRef = {
  session: 'acme',
  accountId: '111111111111',
  region: 'eu-west-1',
  id: '12',
};
const CHECKOUT: Checkout = {
  path: '/home/dev/src/payments-prod/payments-api',
  branch: 'feature/12',
  commit: '1a2b3c4d',
  moved: false,
};

describe('pull request commands', () => {
  it.each([
    ['cached_pull_requests', () => cachedPullRequests(), {}, [INBOX]],
    ['refresh_pull_requests', () => refreshPullRequests('acme'), { session: 'acme' }, INBOX],
    [
      'approve_pull_request',
      () => approvePullRequest(TARGET, false),
      { target: TARGET, revoke: false },
      INBOX,
    ],
    [
      'approve_pull_request',
      () => approvePullRequest(TARGET, true),
      { target: TARGET, revoke: true },
      INBOX,
    ],
    ['checkout_pull_request', () => checkoutPullRequest(TARGET), { target: TARGET }, CHECKOUT],
    ['open_pull_request', () => openPullRequest(TARGET), { target: TARGET }, null],
  ] as const)('%s is invoked with its arguments', async (cmd, run, args, answer) => {
    const calls = mockShell({ [cmd]: () => answer });
    await expect(run()).resolves.toEqual(answer);
    expect(calls).toEqual([{ cmd, args }]);
  });

  it('rejects with the reason as an AppError', async () => {
    mockShell({
      approve_pull_request: () =>
        Promise.reject({ code: 'Aws', message: 'new commits since Lanyard last looked' }),
    });
    const err = await approvePullRequest(TARGET, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe('new commits since Lanyard last looked');
  });
});

describe('onPullRequestsChanged', () => {
  it(`delivers ${PULL_REQUESTS_CHANGED_EVENT} payloads until unsubscribed`, async () => {
    mockShell({});
    const seen: Inbox[][] = [];
    const stop = await onPullRequestsChanged((list) => seen.push(list));

    await emit(PULL_REQUESTS_CHANGED_EVENT, [INBOX]);
    await emit(SESSIONS_CHANGED_EVENT, []);
    await emit(PULL_REQUESTS_CHANGED_EVENT, 'not a list');
    expect(seen).toEqual([[INBOX]]);

    stop();
    await emit(PULL_REQUESTS_CHANGED_EVENT, []);
    expect(seen).toEqual([[INBOX]]);
  });

  it('is a no-op outside Tauri', async () => {
    const cb = vi.fn();
    const stop = await onPullRequestsChanged(cb);
    expect(() => stop()).not.toThrow();
    expect(cb).not.toHaveBeenCalled();
  });
});
