// Quick-switcher entries for the filter and component tests.

import type { SwitcherEntry } from '../lib/bindings/SwitcherEntry';

/** A profile entry: payments-prod · Developer · eu-west-1, not a favourite, unless `over` says so. */
export const profile = (title: string, over: Partial<SwitcherEntry> = {}): SwitcherEntry => ({
  kind: 'profile',
  key: `profile:${title}`,
  title,
  detail: null,
  session: 'acme',
  accountId: '111111111111',
  accountName: 'payments-prod',
  roleName: 'Developer',
  region: 'eu-west-1',
  favourite: false,
  path: null,
  clone: null,
  pullRequest: null,
  ...over,
});
