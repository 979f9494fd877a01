// Counts as the window shows them ("3,000 accounts").

/**
 * `n` with a comma between groups of three digits, as `toLocaleString('en-US')` writes integers.
 * Written out because `toLocaleString` loads ICU's number-formatting code and data into the web
 * process the first time it runs.
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const whole = Math.round(Math.abs(n)).toString();
  let out = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) out += ',';
    out += whole[i];
  }
  return n < 0 && whole !== '0' ? `-${out}` : out;
}
