// Filtering and ranking for the quick switcher. Pure, so it is tested without a window; fast
// enough for thousands of entries because each entry's lower-cased text is built once per load.

import type { SwitcherEntry } from '../bindings/SwitcherEntry';

/** An entry with its lower-cased title and search text, computed once per load. */
export type Indexed = { entry: SwitcherEntry; title: string; haystack: string };

/** Rows the switcher renders; the rest are counted ("N more — keep typing"). */
export const MAX_ROWS = 50;

/** The word a kind is found by (the same as the native switcher's `switcher::Index`). */
const KIND_WORD: Record<SwitcherEntry['kind'], string> = {
  profile: 'profile',
  repository: 'repository',
  pullRequest: 'pull request',
};

export function indexEntries(entries: readonly SwitcherEntry[]): Indexed[] {
  return entries.map((entry) => {
    const fields = [
      entry.title,
      entry.detail ?? '',
      entry.accountName,
      entry.accountId,
      entry.roleName,
      entry.region ?? '',
      KIND_WORD[entry.kind],
    ];
    return { entry, title: entry.title.toLowerCase(), haystack: fields.join('\n').toLowerCase() };
  });
}

/** The whitespace-separated, lower-cased words of `query`. */
export function terms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * The entries where every term of `query` appears (case-insensitive substring) in the title,
 * detail (a pull request's repository, id and author), account name, account id, role, region
 * or kind. Ranked favourites first, then entries whose
 * title starts with a term, then the rest; the order of the list is kept within each rank.
 * An empty query keeps every entry (favourites first).
 */
export function filterEntries(items: readonly Indexed[], query: string): SwitcherEntry[] {
  const words = terms(query);
  // Buckets instead of a sort: linear, and stable by construction.
  const favPrefix: SwitcherEntry[] = [];
  const fav: SwitcherEntry[] = [];
  const prefix: SwitcherEntry[] = [];
  const rest: SwitcherEntry[] = [];
  outer: for (const item of items) {
    for (const w of words) if (!item.haystack.includes(w)) continue outer;
    const isPrefix = words.some((w) => item.title.startsWith(w));
    if (item.entry.favourite) (isPrefix ? favPrefix : fav).push(item.entry);
    else (isPrefix ? prefix : rest).push(item.entry);
  }
  return favPrefix.concat(fav, prefix, rest);
}
