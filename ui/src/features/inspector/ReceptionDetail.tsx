// One reception whole: what arrived (headers, body), each item with its checks (clientState,
// validation tokens, duplicates, decryption), where it was forwarded, and replay. Everything is
// shown as text; nothing that arrived is ever rendered as HTML.
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import type { ClientStateVerdict, ItemView, ReceptionDetail as Detail, TokenVerdict } from "../../ipc/bindings";
import { useCommand, useReception } from "../../ipc/queries";

const clientStateText: Record<ClientStateVerdict, { tone: string; text: string }> = {
  matches: { tone: "ok", text: "clientState matches" },
  differs: { tone: "danger", text: "clientState differs: not from your subscription" },
  missing: { tone: "danger", text: "clientState missing" },
  unknownSubscription: { tone: "warn", text: "subscription not made here: clientState not checked" },
};

function Check({ tone, children, testId }: { tone: string; children: React.ReactNode; testId?: string }) {
  return (
    <span className={`check check-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

/** What the validation-token check found, in words, with its tone. */
export function tokensCheck(verdict: TokenVerdict): { tone: string; text: string } {
  switch (verdict.state) {
    case "valid":
      return { tone: "ok", text: `validation tokens valid (${String(verdict.count)})` };
    case "invalid":
      return { tone: "danger", text: `validation tokens invalid: ${verdict.reason}` };
    case "notChecked":
      return { tone: "warn", text: `validation tokens not checked: ${verdict.reason}` };
    case "missing":
      return { tone: "danger", text: "validation tokens missing: Graph always sends them with resource data" };
  }
}

function Item({ item }: { item: ItemView }) {
  const [raw, setRaw] = useState(false);
  const cs = clientStateText[item.clientState];
  const tokens = item.tokens === null ? null : tokensCheck(item.tokens);
  return (
    <article className="item-card" data-testid="item-card">
      <header className="item-head">
        <strong>{item.changeType ?? item.lifecycleEvent ?? "item"}</strong>
        <code className="mono item-resource">{item.resource ?? ""}</code>
      </header>
      <div className="checks">
        <Check tone={cs.tone} testId="check-client-state">
          {cs.text}
        </Check>
        {tokens ? (
          <Check tone={tokens.tone} testId="check-tokens">
            {tokens.text}
          </Check>
        ) : null}
        {item.duplicateOf !== null ? <Check tone="warn">duplicate of item {item.duplicateOf}</Check> : null}
        {item.lifecycleEvent ? <Check tone="warn">lifecycle: {item.lifecycleEvent}</Check> : null}
        {item.decrypted !== null ? (
          <Check tone="ok" testId="check-decrypted">
            decrypted
          </Check>
        ) : null}
        {item.decryptError !== null ? (
          <Check tone="danger" testId="check-decrypt-error">
            not decrypted: {item.decryptError}
          </Check>
        ) : null}
      </div>
      {item.decrypted !== null && !raw ? (
        <pre className="code-block" data-testid="decrypted">
          {item.decrypted}
        </pre>
      ) : (
        <pre className="code-block">{item.item}</pre>
      )}
      {item.decrypted !== null ? (
        <Button
          variant="ghost"
          onClick={() => {
            setRaw(!raw);
          }}
        >
          {raw ? "Show decrypted resource" : "Show the item as received"}
        </Button>
      ) : null}
    </article>
  );
}

function Replay({ detail }: { detail: Detail }) {
  const replay = useCommand("reception_replay");
  const [url, setUrl] = useState("http://localhost:3000/api/notifications");
  return (
    <form
      className="replay"
      onSubmit={(event) => {
        event.preventDefault();
        replay.mutate({ id: detail.summary.id, url });
      }}
    >
      <input
        className="input mono"
        aria-label="Replay to URL"
        data-testid="replay-url"
        value={url}
        maxLength={2048}
        onChange={(e) => {
          setUrl(e.target.value);
        }}
      />
      <Button type="submit" disabled={replay.isPending} data-testid="replay">
        {replay.isPending ? "Sending…" : "Replay"}
      </Button>
      {replay.data ? (
        <span className={`check check-${replay.data.status !== null && replay.data.status < 300 ? "ok" : "danger"}`} data-testid="replay-result">
          {replay.data.status !== null ? `${String(replay.data.status)} in ${String(replay.data.durationMs)} ms` : replay.data.failure}
        </span>
      ) : null}
      {replay.error ? <ErrorBanner error={replay.error} title="Replay" /> : null}
    </form>
  );
}

export function ReceptionDetail({ id }: { id: number }) {
  const detail = useReception(id);
  const [tab, setTab] = useState<"items" | "body" | "headers">("items");
  if (detail.error) return <ErrorBanner error={detail.error} title="This reception could not be read" />;
  if (!detail.data) return <p className="muted">Loading…</p>;
  const d = detail.data;
  const s = d.summary;
  const effectiveTab = tab === "items" && d.items.length === 0 ? "body" : tab;
  return (
    <div className="reception-detail" data-testid="reception-detail">
      <header className="detail-head">
        <h2 className="panel-title">
          #{s.id} · {s.kind} · {s.status}
        </h2>
        <p className="muted mono">
          {s.method} {s.path}
          {d.query ? `?${d.query}` : ""} · from {s.peer} · {s.bodyBytes} bytes · {s.receivedAt}
        </p>
        {s.reason ? <p className="field-error">{s.reason}</p> : null}
      </header>
      <div className="segmented" role="tablist">
        {(["items", "body", "headers"] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-pressed={effectiveTab === t} data-testid={`tab-${t}`} onClick={() => { setTab(t); }}>
            {t === "items" ? `Items (${String(d.items.length)})` : t === "body" ? "Body" : `Headers (${String(d.headers.length)})`}
          </button>
        ))}
      </div>
      {effectiveTab === "items" ? d.items.map((item) => <Item key={item.id} item={item} />) : null}
      {effectiveTab === "body" ? (
        <>
          <pre className="code-block" data-testid="raw-body">
            {d.bodyText ?? d.bodyBase64 ?? ""}
          </pre>
          {d.bodyBase64 !== null ? <p className="muted">Not UTF-8: shown as base64.</p> : null}
          {d.bodyTruncated ? <p className="muted">Only the first MiB is shown; exports carry all of it.</p> : null}
        </>
      ) : null}
      {effectiveTab === "headers" ? (
        <table className="headers-table">
          <tbody>
            {d.headers.map(([name, value], i) => (
              <tr key={`${name}-${String(i)}`}>
                <th className="mono">{name}</th>
                <td className="mono">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {s.kind === "notification" || s.kind === "lifecycle" ? (
        <>
          <h3 className="detail-section">Replay</h3>
          <Replay detail={d} />
          {d.forwards.length > 0 ? (
            <ul className="forwards">
              {d.forwards.map((f, i) => (
                <li key={`${f.at}-${String(i)}`} className="mono">
                  {f.at} → {f.url}: {f.status !== null ? `${String(f.status)} in ${String(f.durationMs)} ms` : f.failure}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
