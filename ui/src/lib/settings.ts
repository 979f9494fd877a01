// Pure helpers for the Preferences form in the Settings view.

import type { AppSettings } from './bindings/AppSettings';

/** The refresh cadence the backend accepts, in minutes. */
export const REFRESH_MIN = 1;
export const REFRESH_MAX = 60;

/** "us-east-1, EU-west-1  us-east-1" → ["us-east-1", "eu-west-1"]: comma- or space-separated, trimmed, lower-cased, deduplicated. */
export function parseRegions(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,]+/)) {
    const region = part.trim().toLowerCase();
    if (region) seen.add(region);
  }
  return [...seen];
}

/** The text field's value for `regions`. */
export function formatRegions(regions: readonly string[]): string {
  return regions.join(', ');
}

/** Whether `minutes` is a whole number of minutes the backend accepts. */
export function isValidRefresh(minutes: unknown): minutes is number {
  return (
    typeof minutes === 'number' &&
    Number.isInteger(minutes) &&
    minutes >= REFRESH_MIN &&
    minutes <= REFRESH_MAX
  );
}

/** Whether two settings say the same thing (regions compared as `parseRegions` would read them). */
export function sameSettings(a: AppSettings, b: AppSettings): boolean {
  const ra = parseRegions(a.regions.join(' '));
  const rb = parseRegions(b.regions.join(' '));
  return (
    a.cloneRoot === b.cloneRoot &&
    a.template === b.template &&
    ra.length === rb.length &&
    ra.every((r, i) => r === rb[i]) &&
    a.refreshMinutes === b.refreshMinutes &&
    a.startAtLogin === b.startAtLogin &&
    a.notifications === b.notifications &&
    a.pullRequestNotifications === b.pullRequestNotifications &&
    a.switcherShortcut === b.switcherShortcut
  );
}
