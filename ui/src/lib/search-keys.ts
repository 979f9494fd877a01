// The search-box shortcuts every list view shares.

function isEditable(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** `/` (outside text fields) or Ctrl/Cmd+F: the key that should focus a view's search box. */
export function isSearchShortcut(event: KeyboardEvent): boolean {
  const slash =
    event.key === '/' &&
    !event.ctrlKey &&
    !event.metaKey &&
    !event.altKey &&
    !isEditable(event.target);
  const find = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f';
  return slash || find;
}
