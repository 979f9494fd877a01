// Where the main window was left — view, search text, scroll, rows shown — so that opening it
// again after its process ended (closed windows release WebKit, #16) shows the same place.
// The shell keeps it in the tray process; it is read once before the app mounts and written
// (debounced) as the user moves.

import { isTauri, recallView, rememberView } from './api';

type Saved = Record<string, unknown>;

/** Writes wait this long after the last change (scrolling or typing sends one write). */
export const WRITE_AFTER_MS = 250;

let saved: Saved = {};
let timer: ReturnType<typeof setTimeout> | undefined;

/** Forgets everything (each unit test starts from a window opened for the first time). */
export function forgetViewState(): void {
  clearTimeout(timer);
  saved = {};
}

/** Reads the last state; a missing or unreadable one starts afresh. */
export async function loadViewState(): Promise<void> {
  saved = {};
  if (!isTauri()) return;
  try {
    const text = await recallView();
    const parsed: unknown = text === null ? null : JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      saved = parsed as Saved;
    }
  } catch (err) {
    console.error('Lanyard: could not read where the window was left', err);
  }
}

/** The remembered string under `key`, or `fallback`. */
export function recalledText(key: string, fallback: string): string {
  const v = saved[key];
  return typeof v === 'string' ? v : fallback;
}

/** The remembered non-negative number under `key`, or `fallback`. */
export function recalledNumber(key: string, fallback: number): number {
  const v = saved[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/** Remembers `value` under `key`; written to the shell shortly after the last change. */
export function remember(key: string, value: string | number): void {
  if (saved[key] === value) return;
  saved = { ...saved, [key]: value };
  if (!isTauri()) return;
  clearTimeout(timer);
  timer = setTimeout(() => {
    rememberView(JSON.stringify(saved)).catch((err) =>
      console.error('Lanyard: could not keep where the window is', err),
    );
  }, WRITE_AFTER_MS);
}

/**
 * Scrolls `el` to `top` once its content is tall enough (lists render from the cache a moment
 * after mount), unless the user scrolls first; gives up after `patienceMs`.
 */
export function restoreScroll(el: HTMLElement, top: number, patienceMs = 3000): () => void {
  if (top <= 0) return () => {};
  const until = performance.now() + patienceMs;
  let frame = 0;
  const stop = () => {
    cancelAnimationFrame(frame);
    el.removeEventListener('wheel', stop);
    el.removeEventListener('keydown', stop);
  };
  const step = () => {
    if (el.scrollHeight - el.clientHeight >= top) {
      el.scrollTop = top;
      stop();
    } else if (performance.now() < until) {
      frame = requestAnimationFrame(step);
    } else {
      el.scrollTop = top;
      stop();
    }
  };
  el.addEventListener('wheel', stop, { once: true });
  el.addEventListener('keydown', stop, { once: true });
  frame = requestAnimationFrame(step);
  return stop;
}
