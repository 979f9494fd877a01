import { clearMocks } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ChannelEnd, deferred, mockShell } from '../test/shell';
import {
  AppError,
  cachedRepositories,
  cancelClone,
  cloneRepository,
  copyText,
  helperStatus,
  openFolder,
  recentClones,
  scanRepositories,
  type CloneProgress,
  type CloneReport,
  type CloneRequest,
  type Inventory,
  type InventoryEvent,
  type Repository,
} from './api';

afterEach(() => clearMocks());

const REPO: Repository = {
  session: 'acme',
  accountId: '111111111111',
  accountName: 'prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  name: 'ledger',
  description: null,
  defaultBranch: 'main',
  lastModified: null,
  cloneUrlHttp: null,
  arn: null,
};
const INVENTORY: Inventory = {
  session: 'acme',
  scannedAt: '2024-05-01T10:00:00Z',
  regions: ['eu-west-1'],
  repositories: [REPO],
  notes: [],
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
const REPORT: CloneReport = {
  path: '/home/dev/src/ledger',
  remoteUrl: 'codecommit::eu-west-1://prod-Developer@ledger',
  profile: 'prod-Developer',
  profileWritten: true,
  branch: 'main',
};

describe('repository commands', () => {
  it.each([
    ['cached_repositories', () => cachedRepositories(), {}, [INVENTORY]],
    ['cancel_clone', () => cancelClone(REQUEST), { request: REQUEST }, null],
    [
      'recent_clones',
      () => recentClones(),
      {},
      [
        {
          path: REPORT.path,
          repository: 'ledger',
          accountName: 'prod',
          region: 'eu-west-1',
          profile: 'p',
          clonedAt: 'x',
        },
      ],
    ],
    [
      'helper_status',
      () => helperStatus(),
      {},
      { resolved: '/usr/bin/git-remote-codecommit', isLanyard: false, link: null, note: 'n' },
    ],
    [
      'open_folder',
      () => openFolder('/home/dev/src/ledger'),
      { path: '/home/dev/src/ledger' },
      null,
    ],
  ] as const)('%s is invoked with its arguments', async (cmd, run, args, answer) => {
    const calls = mockShell({ [cmd]: () => answer });
    await expect(run()).resolves.toEqual(answer);
    expect(calls).toEqual([{ cmd, args }]);
  });
});

describe('scanRepositories', () => {
  it('invokes scan_repositories with session and a Channel whose events reach onEvent', async () => {
    const done = deferred<Inventory>();
    let end: ChannelEnd<InventoryEvent> | undefined;
    const calls = mockShell({
      scan_repositories: (args) => {
        end = ChannelEnd.of<InventoryEvent>(args.onEvent);
        return done.promise;
      },
    });
    const events: InventoryEvent[] = [];
    const result = scanRepositories('acme', (e) => events.push(e));
    await vi.waitFor(() => expect(end).toBeDefined());
    expect(calls.map((c) => c.cmd)).toEqual(['scan_repositories']);
    expect(Object.keys(calls[0]!.args).sort()).toEqual(['onEvent', 'session']);
    expect(calls[0]!.args.session).toBe('acme');

    const event: InventoryEvent = {
      repositories: [REPO],
      notes: [],
      progress: { accountsDone: 1, accountsTotal: 2, repositories: 1, etaSecs: null },
    };
    end!.send(event);
    done.resolve(INVENTORY);
    await expect(result).resolves.toEqual(INVENTORY);
    expect(events).toEqual([event]);
  });

  it('rejects with SessionExpired as an AppError', async () => {
    mockShell({
      scan_repositories: () => Promise.reject({ code: 'SessionExpired', message: 'expired' }),
    });
    const err = await scanRepositories('acme', () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('SessionExpired');
  });
});

describe('cloneRepository', () => {
  it('invokes clone_repository with the request and a Channel whose messages reach onProgress', async () => {
    const done = deferred<CloneReport>();
    let end: ChannelEnd<CloneProgress> | undefined;
    const calls = mockShell({
      clone_repository: (args) => {
        end = ChannelEnd.of<CloneProgress>(args.onProgress);
        return done.promise;
      },
    });
    const seen: CloneProgress[] = [];
    const result = cloneRepository(REQUEST, (p) => seen.push(p));
    await vi.waitFor(() => expect(end).toBeDefined());
    expect(Object.keys(calls[0]!.args).sort()).toEqual(['onProgress', 'request']);
    expect(calls[0]!.args.request).toEqual(REQUEST);

    const progress: CloneProgress = {
      phase: 'receiving',
      receivedObjects: 1,
      totalObjects: 2,
      receivedBytes: 10,
      percent: 50,
    };
    end!.send(progress);
    done.resolve(REPORT);
    await expect(result).resolves.toEqual(REPORT);
    expect(seen).toEqual([progress]);
  });

  it('rejects with code Cancelled when cancelled', async () => {
    mockShell({
      clone_repository: () => Promise.reject({ code: 'Cancelled', message: 'clone cancelled' }),
    });
    const err = await cloneRepository(REQUEST, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'Cancelled' });
  });

  it('rejects with an AppError outside Tauri', async () => {
    const err = await cloneRepository(REQUEST, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
  });
});

describe('copyText', () => {
  const original = Object.getOwnPropertyDescriptor(navigator, 'clipboard');
  afterEach(() => {
    if (original) Object.defineProperty(navigator, 'clipboard', original);
    else delete (navigator as { clipboard?: unknown }).clipboard;
  });

  it('writes through the web Clipboard API', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await copyText('codecommit::eu-west-1://prod@ledger');
    expect(writeText).toHaveBeenCalledWith('codecommit::eu-west-1://prod@ledger');
  });

  it('rejects with an AppError when writing fails or there is no clipboard', async () => {
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: () => Promise.reject(new Error('Document is not focused')) },
      configurable: true,
    });
    await expect(copyText('x')).rejects.toMatchObject({
      code: 'Unknown',
      message: 'Document is not focused',
    });

    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    const err = await copyText('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
  });

  it('asks the shell inside Tauri, and the web Clipboard API outside it', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });

    const calls = mockShell({ copy_text: () => null });
    await copyText('codecommit::eu-west-1://prod@ledger');
    expect(calls).toEqual([
      { cmd: 'copy_text', args: { text: 'codecommit::eu-west-1://prod@ledger' } },
    ]);
    expect(writeText).not.toHaveBeenCalled();

    clearMocks();
    await copyText('https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/ledger');
    expect(writeText).toHaveBeenCalledWith(
      'https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/ledger',
    );
    expect(calls).toHaveLength(1);

    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    await expect(copyText('x')).rejects.toMatchObject({
      code: 'Unknown',
      message: 'The clipboard is not available',
    });
    expect(calls).toHaveLength(1);
  });
});
