// Two receptions compared: their bodies (and their first decrypted resources) as a line diff
// made with the `diff` library, long unchanged runs folded. Text only, as everywhere.
import { diffLines } from "diff";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { useReception } from "../../ipc/queries";

/** Larger texts are not compared here (a line diff of them takes seconds): export both. */
export const DIFF_LIMIT = 256 * 1024;
/** Unchanged runs longer than this are folded to their first and last lines. */
const CONTEXT = 3;

export type DiffLine = { kind: "same" | "added" | "removed" | "folded"; text: string };

/** `before` → `after` line by line, unchanged runs folded to `CONTEXT` lines each side. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const kind: DiffLine["kind"] = part.added ? "added" : part.removed ? "removed" : "same";
    const texts = part.value.replace(/\n$/, "").split("\n");
    if (kind === "same" && texts.length > CONTEXT * 2 + 1) {
      lines.push(...texts.slice(0, CONTEXT).map((text) => ({ kind, text })));
      lines.push({ kind: "folded", text: `… ${String(texts.length - CONTEXT * 2)} unchanged lines` });
      lines.push(...texts.slice(-CONTEXT).map((text) => ({ kind, text })));
    } else {
      lines.push(...texts.map((text) => ({ kind, text })));
    }
  }
  return lines;
}

const marks: Record<DiffLine["kind"], string> = { same: "  ", added: "+ ", removed: "- ", folded: "  " };

function Diff({ title, before, after }: { title: string; before: string; after: string }) {
  if (before.length > DIFF_LIMIT || after.length > DIFF_LIMIT) {
    return (
      <section className="compare-section">
        <h3 className="detail-section">{title}</h3>
        <p className="muted">Too large to compare here ({String(DIFF_LIMIT / 1024)} KiB at most): export both and use your diff tool.</p>
      </section>
    );
  }
  const lines = lineDiff(before, after);
  const changed = lines.some((l) => l.kind === "added" || l.kind === "removed");
  return (
    <section className="compare-section">
      <h3 className="detail-section">{title}</h3>
      {changed ? null : <p className="muted">The same.</p>}
      <pre className="code-block diff" data-testid="compare-diff">
        {lines.map((line, i) => (
          <span key={String(i)} className={`diff-line diff-${line.kind}`}>
            {marks[line.kind]}
            {line.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </section>
  );
}

export function CompareView({ left, right, onClose }: { left: number; right: number; onClose: () => void }) {
  const a = useReception(left);
  const b = useReception(right);
  const error = a.error ?? b.error;
  if (error) return <ErrorBanner error={error} title="These receptions could not be read" />;
  if (!a.data || !b.data) return <p className="muted">Loading…</p>;
  const decryptedA = a.data.items[0]?.decrypted ?? null;
  const decryptedB = b.data.items[0]?.decrypted ?? null;
  return (
    <div className="compare" data-testid="compare-view">
      <header className="compare-head">
        <h2 className="panel-title">
          #{left} → #{right}
        </h2>
        <span className="muted">
          <span className="diff-removed">- only in #{left}</span> · <span className="diff-added">+ only in #{right}</span>
        </span>
        <Button variant="ghost" data-testid="compare-close" onClick={onClose}>
          Stop comparing
        </Button>
      </header>
      {decryptedA !== null && decryptedB !== null ? <Diff title="Decrypted resource (first item)" before={decryptedA} after={decryptedB} /> : null}
      <Diff title="Body" before={a.data.bodyText ?? a.data.bodyBase64 ?? ""} after={b.data.bodyText ?? b.data.bodyBase64 ?? ""} />
    </div>
  );
}
