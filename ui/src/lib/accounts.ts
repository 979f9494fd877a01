// Pure helpers for the Accounts & Profiles view: search, merging streamed accounts, progress text.

import { formatCount } from './format';
import type { AccountRoles } from './bindings/AccountRoles';
import type { DiscoveryProgress } from './bindings/DiscoveryProgress';

/** An account with its lower-cased search fields, computed once. */
export type Searchable = { account: AccountRoles; fields: string[]; haystack: string };

export function searchable(account: AccountRoles): Searchable {
  const fields = [account.accountName, account.accountId, account.email, ...account.roles].map(
    (f) => f.toLowerCase(),
  );
  return { account, fields, haystack: fields.join('\n') };
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Whether `needle` is a subsequence of `field` starting at the beginning of a word
 * ("pymprd" finds "payments-prod", "data" does not find "administratoraccess").
 */
function fuzzyIn(needle: string, field: string): boolean {
  let start = -1;
  for (let j = 0; j < field.length; j++) {
    if (field[j] === needle[0] && !isWordChar(field[j - 1])) {
      start = j;
      break;
    }
  }
  if (start === -1) return false;
  let i = 1;
  for (let j = start + 1; j < field.length && i < needle.length; j++) {
    if (field[j] === needle[i]) i++;
  }
  return i === needle.length;
}

/**
 * Fuzzy, case-insensitive search over name, id, email and role names. Every word of `query`
 * must appear verbatim, or in order from the start of a word of one field; accounts where every
 * word appears verbatim come first. An empty query keeps everything, in order.
 */
export function search(items: readonly Searchable[], query: string): AccountRoles[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return items.map((i) => i.account);
  const exact: AccountRoles[] = [];
  const fuzzy: AccountRoles[] = [];
  for (const item of items) {
    if (words.every((w) => item.haystack.includes(w))) exact.push(item.account);
    else if (
      words.every((w) => item.haystack.includes(w) || item.fields.some((f) => fuzzyIn(w, f)))
    ) {
      fuzzy.push(item.account);
    }
  }
  return exact.concat(fuzzy);
}

/** `list` with `account` replacing the entry of the same id, or appended. Never mutates `list`. */
export function merge(list: readonly Searchable[], account: AccountRoles): Searchable[] {
  const next = list.slice();
  const i = next.findIndex((s) => s.account.accountId === account.accountId);
  if (i === -1) next.push(searchable(account));
  else next[i] = searchable(account);
  return next;
}

/** "accounts 312/1,480, ETA 40 s" (no ETA until it can be estimated). */
export function progressText(p: DiscoveryProgress): string {
  let text = `accounts ${formatCount(p.accountsDone)}/${formatCount(p.accountsTotal)}`;
  if (p.etaSecs !== null) text += `, ETA ${formatCount(Math.round(p.etaSecs))} s`;
  return text;
}
