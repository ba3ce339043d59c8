// Spans of time in words, as the health views write them.

/** "45 s", "3 min", "5 h", "2 days". */
export function spanText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${String(s)} s`;
  if (s < 90 * 60) return `${String(Math.round(s / 60))} min`;
  if (s < 48 * 3600) return `${String(Math.round(s / 3600))} h`;
  return `${String(Math.round(s / 86400))} days`;
}

/** "just now", "3 min ago" for a Unix time. */
export function agoText(unixSeconds: number, now: number): string {
  const seconds = now - unixSeconds;
  if (seconds < 10) return "just now";
  return `${spanText(seconds)} ago`;
}
