// Test doubles for the Tauri shell: a command table on top of `mockIPC`, fixtures, and a way
// to push messages down a `Channel` the way the Rust side does.

import { Channel } from '@tauri-apps/api/core';
import { mockIPC } from '@tauri-apps/api/mocks';

import type { Identity } from '../lib/bindings/Identity';
import type { IdentityStatus } from '../lib/bindings/IdentityStatus';
import type { Inbox } from '../lib/bindings/Inbox';
import type { PullRequest } from '../lib/bindings/PullRequest';

export type Call = { cmd: string; args: Record<string, unknown> };
export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/**
 * Answers commands from `handlers` (an unknown command rejects like a missing one does) and
 * mocks events, so `emit` from '@tauri-apps/api/event' reaches `listen`ers.
 * Returns every command call, in order.
 */
export function mockShell(handlers: Handlers): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: a });
      const handler = handlers[cmd];
      if (!handler) return Promise.reject(`command ${cmd} not found`);
      return handler(a);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The Rust end of a `Channel` passed as a command argument. */
export class ChannelEnd<T> {
  private index = 0;

  constructor(private readonly channel: Channel<T>) {}

  static of<T>(arg: unknown): ChannelEnd<T> {
    if (!(arg instanceof Channel))
      throw new Error(`expected a Channel argument, got ${String(arg)}`);
    return new ChannelEnd<T>(arg as Channel<T>);
  }

  /** Delivers `message` as `Channel::send` does: `{ index, message }` to the channel's callback. */
  send(message: T) {
    const internals = (
      window as unknown as {
        __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void };
      }
    ).__TAURI_INTERNALS__;
    internals.runCallback(this.channel.id, { index: this.index++, message });
  }
}

/** A promise the test settles by hand (a command still in flight). */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function identity(session: string, over: Partial<Identity> = {}): Identity {
  return {
    session,
    startUrl: `https://${session}.awsapps.com/start`,
    region: 'eu-west-1',
    scopes: ['sso:account:access'],
    managed: true,
    ...over,
  };
}

export function status(
  session: string,
  over: Partial<Omit<IdentityStatus, 'identity'>> = {},
  id: Partial<Identity> = {},
): IdentityStatus {
  return {
    identity: identity(session, id),
    state: 'signedOut',
    accessTokenExpiresAt: null,
    refreshable: false,
    detail: null,
    ...over,
  };
}

const HOUR = 3_600_000;

/** An open pull request awaiting the user in acme's payments-prod, opened 3 days ago. */
export function pullRequest(id: string, over: Partial<PullRequest> = {}): PullRequest {
  const lastActivity = new Date(Date.now() - 2 * HOUR);
  return {
    session: 'acme',
    accountId: '111111111111',
    accountName: 'payments-prod',
    roleName: 'Developer',
    region: 'eu-west-1',
    repository: 'payments-api',
    id,
    title: `Change ${id}`,
    description: null,
    authorArn: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Developer_ab12/bob',
    author: 'bob',
    created: new Date(Date.now() - 72 * HOUR).toISOString(),
    lastActivity: lastActivity.toISOString(),
    lastActivityMicros: lastActivity.getTime() * 1000,
    open: true,
    merged: false,
    sourceRef: `refs/heads/feature/${id}`,
    destinationRef: 'refs/heads/main',
    sourceCommit: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
    revisionId: `rev-${id}`,
    approvals: 0,
    approvalsNeeded: 1,
    approved: false,
    rulesNotSatisfied: ['main-needs-a-dev'],
    approvedByMe: false,
    concern: 'awaiting',
    canMerge: null,
    ...over,
  };
}

/** acme's inbox holding `pullRequests`, checked an hour ago. */
export function inbox(pullRequests: PullRequest[], over: Partial<Inbox> = {}): Inbox {
  return {
    session: 'acme',
    checkedAt: new Date(Date.now() - HOUR).toISOString(),
    pullRequests,
    notes: [],
    ...over,
  };
}
