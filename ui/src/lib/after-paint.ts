// Runs work after the next frame is painted, so what is already on screen shows first.

/**
 * Calls `fn` once the next animation frame has been painted (a timeout queued from the frame
 * callback runs after that frame). Without animation frames (jsdom) it only waits a tick.
 * Returns a function that cancels it.
 */
export function afterPaint(fn: () => void): () => void {
  let timeout: ReturnType<typeof setTimeout> | undefined;
  const later = () => (timeout = setTimeout(fn, 0));
  const frame =
    typeof requestAnimationFrame === 'function' ? requestAnimationFrame(later) : (later(), 0);
  return () => {
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(frame);
    clearTimeout(timeout);
  };
}
