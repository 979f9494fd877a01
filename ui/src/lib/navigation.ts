/** The app's top-level views, in sidebar order (Ctrl/Cmd+1..5 follow this order). */
export const VIEWS = ['sessions', 'accounts', 'repositories', 'pullRequests', 'settings'] as const;

export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = {
  sessions: 'Sessions',
  accounts: 'Accounts & Profiles',
  repositories: 'Repositories',
  pullRequests: 'Pull requests',
  settings: 'Settings',
};

export function isView(value: unknown): value is View {
  return typeof value === 'string' && (VIEWS as readonly string[]).includes(value);
}
