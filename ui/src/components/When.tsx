// Times, written one way on every screen: local time as people read it (24-hour clock, the
// month spelled), the exact UTC value on hover. A value that is not a time is shown as it is.
type Style = "time" | "date" | "dateTime";

const formats: Record<Style, Intl.DateTimeFormatOptions> = {
  time: { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false },
  date: { year: "numeric", month: "short", day: "numeric" },
  dateTime: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false },
};

/** One formatter per style, made once: making one per call costs more than the rest of a row. */
const formatters = new Map<Style, Intl.DateTimeFormat>();
function formatter(style: Style): Intl.DateTimeFormat {
  let made = formatters.get(style);
  if (!made) {
    made = new Intl.DateTimeFormat(undefined, formats[style]);
    formatters.set(style, made);
  }
  return made;
}

/** `at` (RFC 3339, or Unix milliseconds) in local time, and in UTC for the hover. */
export function timeTexts(at: string | number, style: Style = "dateTime"): { local: string; utc: string } {
  const date = new Date(at);
  // Out of range (a hostile token's `exp: 1e20`) is not a time either: it would throw below.
  if (!Number.isFinite(date.getTime())) return { local: String(at), utc: String(at) };
  return { local: formatter(style).format(date), utc: `${date.toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, "")} UTC` };
}

export function When({ at, style = "dateTime", className }: { at: string | number; style?: Style; className?: string }) {
  const { local, utc } = timeTexts(at, style);
  const valid = Number.isFinite(new Date(at).getTime());
  return (
    <time dateTime={valid ? new Date(at).toISOString() : undefined} title={utc} className={className}>
      {local}
    </time>
  );
}
