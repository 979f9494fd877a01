import { describe, expect, it } from 'vitest';

import { formatCount } from './format';

describe('formatCount', () => {
  it('writes counts as en-US does', () => {
    for (const n of [0, 7, 42, 999, 1000, 3000, 12345, 999999, 1000000, 1234567890, -1500]) {
      expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('rounds to a whole number', () => {
    expect(formatCount(1499.6)).toBe('1,500');
  });
});
