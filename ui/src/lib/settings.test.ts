import { describe, expect, it } from 'vitest';

import { formatRegions, isValidRefresh, parseRegions, sameSettings } from './settings';

describe('parseRegions', () => {
  it('splits on commas and whitespace, trims, lower-cases and deduplicates in order', () => {
    expect(parseRegions(' us-east-1, EU-West-1\tus-east-1 ,,ap-south-1\n')).toEqual([
      'us-east-1',
      'eu-west-1',
      'ap-south-1',
    ]);
  });

  it('is empty for blank text', () => {
    expect(parseRegions('  , ')).toEqual([]);
  });

  it('round-trips with formatRegions', () => {
    expect(parseRegions(formatRegions(['us-east-1', 'eu-west-1']))).toEqual([
      'us-east-1',
      'eu-west-1',
    ]);
  });
});

describe('isValidRefresh', () => {
  it('accepts whole minutes from 1 to 60', () => {
    expect([1, 5, 60].map(isValidRefresh)).toEqual([true, true, true]);
    expect([0, 61, 2.5, Number.NaN, null, '5'].map(isValidRefresh)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('sameSettings', () => {
  const base = {
    cloneRoot: '/src',
    template: '{account_name}',
    regions: ['us-east-1'],
    refreshMinutes: 5,
    startAtLogin: false,
    notifications: true,
    pullRequestNotifications: true,
    switcherShortcut: '',
  };

  it('ignores key order and region case, sees any other difference', () => {
    const reordered = {
      ...Object.fromEntries(Object.entries(base).reverse()),
      regions: ['US-EAST-1'],
    } as typeof base;
    expect(sameSettings(base, reordered)).toBe(true);
    expect(sameSettings(base, { ...base, notifications: false })).toBe(false);
    expect(sameSettings(base, { ...base, pullRequestNotifications: false })).toBe(false);
    expect(sameSettings(base, { ...base, regions: ['us-east-1', 'eu-west-1'] })).toBe(false);
  });
});
