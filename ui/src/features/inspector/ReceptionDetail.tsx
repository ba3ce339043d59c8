// One reception whole: what arrived (headers, body), each item with its checks (clientState,
// validation tokens, duplicates, decryption), where it was forwarded, and replay. Everything is
// shown as text; nothing that arrived is ever rendered as HTML.
import { memo, useDeferredValue, useMemo, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { JsonView } from "../../components/JsonView";
import { When } from "../../components/When";
import type { CheckOutcome, ClientStateVerdict, ExplainedToken, ItemView, ReceptionDetail as Detail, TokenCheckName, TokenVerdict } from "../../ipc/bindings";
import { useCommand, useReception, useReceptionTokens, useReplayCurl } from "../../ipc/queries";
import { hubOrigin, isHubEvent } from "../eventhubs/hub";

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
      {item.decrypted !== null && !raw ? <JsonView text={item.decrypted} testId="decrypted" /> : <JsonView text={item.item} testId="item-json" />}
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

const tokenCheckText: Record<TokenCheckName, string> = {
  signature: "Signature: RS256, by a key the authority publishes",
  lifetime: "Lifetime: valid when it arrived",
  issuer: "Issuer: the subscription's authority",
  tenant: "Tenant: the subscription's tenant",
  audience: "Audience: this app",
  caller: "Caller: Microsoft Graph Change Tracking",
};

function outcomeTone(result: CheckOutcome): string {
  return result.outcome === "passed" ? "ok" : result.outcome === "failed" ? "danger" : "warn";
}

/** A claim that is a time (`nbf`, `exp`, `iat`), in Unix milliseconds. */
function claimTime(claims: string, name: string): number | null {
  try {
    const value = (JSON.parse(claims) as Record<string, unknown>)[name];
    return typeof value === "number" && Math.abs(value) < 8.64e12 ? value * 1000 : null;
  } catch {
    return null;
  }
}

/** One validation token taken apart: each check on its own line, then the claims and header. */
function Token({ token, index }: { token: ExplainedToken; index: number }) {
  const from = claimTime(token.claims, "nbf");
  const until = claimTime(token.claims, "exp");
  return (
    <article className="item-card" data-testid="token-card">
      <header className="item-head">
        <strong>Validation token {index + 1}</strong>
        {from !== null && until !== null ? (
          <span className="muted">
            valid <When at={from} /> → <When at={until} />
          </span>
        ) : null}
      </header>
      <ul className="token-checks">
        {token.checks.map((c) => (
          <li key={c.name} data-testid={`token-check-${c.name}`} data-outcome={c.result.outcome}>
            <span className={`check check-${outcomeTone(c.result)}`}>{c.result.outcome === "passed" ? "passed" : c.result.outcome === "failed" ? "failed" : "not checked"}</span>
            <span>{tokenCheckText[c.name]}</span>
            {c.result.outcome !== "passed" ? <span className="muted">{c.result.reason}</span> : null}
          </li>
        ))}
      </ul>
      <h4 className="detail-section">Claims</h4>
      <JsonView text={token.claims} testId="token-claims" />
      <h4 className="detail-section">Header</h4>
      <JsonView text={token.header} />
    </article>
  );
}

/** The POST's tokens, taken apart when this tab is opened (the keys may be fetched). */
function Tokens({ id }: { id: number }) {
  const tokens = useReceptionTokens(id, true);
  if (tokens.error) return <ErrorBanner error={tokens.error} title="The validation tokens could not be checked" />;
  if (!tokens.data) return <p className="muted">Checking the validation tokens…</p>;
  return (
    <>
      <p className="muted">Each check made again now with the authority's keys; the lifetime as when the POST arrived.</p>
      {tokens.data.map((token, i) => (
        <Token key={String(i)} token={token} index={i} />
      ))}
    </>
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Replay to any URL, the stored body or an edit of it; the curl shown is the request sent. */
function Replay({ detail }: { detail: Detail }) {
  const replay = useCommand("reception_replay");
  const [url, setUrl] = useState("http://localhost:3000/api/notifications");
  const [edited, setEdited] = useState<string | null>(null);
  const [curlShown, setCurlShown] = useState(false);
  const id = detail.summary.id;
  const editable = detail.bodyText !== null && !detail.bodyTruncated;
  // The editor starts from the body made readable; untouched, the stored bytes are what is sent.
  const changed = edited !== null && edited !== detail.bodyText;
  const request = { id, url: url.trim(), ...(changed ? { body: edited } : {}) };
  const shownRequest = useDeferredValue(request);
  const curl = useReplayCurl(shownRequest, curlShown && shownRequest.url !== "");
  const valid = useMemo(() => edited === null || isJson(edited), [edited]);
  return (
    <form
      className="replay"
      onSubmit={(event) => {
        event.preventDefault();
        replay.mutate(request);
      }}
    >
      <div className="replay-bar">
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
        <Button type="submit" variant="primary" disabled={replay.isPending || url.trim() === ""} data-testid="replay">
          {replay.isPending ? "Sending…" : "Replay"}
        </Button>
        {editable ? (
          <Button
            variant="ghost"
            data-testid="replay-edit"
            onClick={() => {
              setEdited(edited === null ? (detail.bodyText ?? "") : null);
            }}
          >
            {edited === null ? "Edit the body" : "Send the stored body"}
          </Button>
        ) : null}
      </div>
      {edited !== null ? (
        <>
          <textarea
            className="input mono replay-body"
            aria-label="Body to send"
            data-testid="replay-body"
            spellCheck={false}
            value={edited}
            onChange={(e) => {
              setEdited(e.target.value);
            }}
          />
          <p className={valid ? "muted" : "field-error"} data-testid="replay-body-note">
            {!changed
              ? "Shown made readable; until you change it, the stored bytes are sent."
              : valid
                ? "Your edit is sent instead of the stored body."
                : "Not valid JSON: it is sent exactly as typed (useful to test how your handler fails)."}
          </p>
        </>
      ) : null}
      {replay.data ? (
        <span className={`check check-${replay.data.status !== null && replay.data.status < 300 ? "ok" : "danger"}`} data-testid="replay-result">
          {replay.data.status !== null ? `${String(replay.data.status)} in ${String(replay.data.durationMs)} ms` : replay.data.failure}
        </span>
      ) : null}
      {replay.error ? <ErrorBanner error={replay.error} title="Replay" /> : null}
      <details
        className="replay-curl"
        onToggle={(e) => {
          setCurlShown(e.currentTarget.open);
        }}
      >
        <summary>The same request as curl (sh, bash, zsh)</summary>
        {curl.error ? <p className="field-error">{curl.error.message}</p> : null}
        <div className="replay-curl-bar">
          <span className="muted">The body travels as base64, so nothing in it is read by your shell.</span>
          <CopyButton variant="default" text={curl.data ?? ""} disabled={!curl.data} label="Copy as curl" testId="copy-curl" />
        </div>
        <pre className="code-block" data-testid="replay-curl">
          {curl.data ?? (curlShown ? "…" : "")}
        </pre>
      </details>
    </form>
  );
}

/** `onCompare`: start comparing this reception with another one the user picks in the list.
 * Memoized: scrolling the list re-renders the screen, not the detail. */
export const ReceptionDetail = memo(function ReceptionDetail({ id, onCompare }: { id: number; onCompare?: () => void }) {
  const detail = useReception(id);
  const [tab, setTab] = useState<"items" | "tokens" | "body" | "headers">("items");
  if (detail.error) return <ErrorBanner error={detail.error} title="This reception could not be read" />;
  if (!detail.data) return <p className="muted">Loading…</p>;
  const d = detail.data;
  const s = d.summary;
  // Read from an event hub: where in the hub it was.
  const origin = isHubEvent(s) ? hubOrigin(d.query, d.headers) : null;
  const effectiveTab = (tab === "items" && d.items.length === 0) || (tab === "tokens" && d.tokenCount === 0) ? "body" : tab;
  const tabs = (["items", "tokens", "body", "headers"] as const).filter((t) => t !== "tokens" || d.tokenCount > 0);
  const tabLabel = { items: `Items (${String(d.items.length)})`, tokens: `Validation tokens (${String(d.tokenCount)})`, body: "Body", headers: `Headers (${String(d.headers.length)})` };
  return (
    <div className="reception-detail" data-testid="reception-detail">
      <header className="detail-head">
        <div className="reception-title">
          <h2 className="panel-title">
            #{s.id} · {s.kind} · {s.status}
          </h2>
          {onCompare ? (
            <Button variant="ghost" data-testid="compare-start" title="Then pick the other reception in the list" onClick={onCompare}>
              Compare with…
            </Button>
          ) : null}
        </div>
        <p className="muted mono">
          {s.method} {s.path}
          {d.query ? `?${d.query}` : ""} · from {s.peer} · {s.bodyBytes} bytes · <When at={s.receivedAt} />
        </p>
        {origin ? (
          <p className="muted" data-testid="hub-origin">
            Partition {origin.partition} · offset {origin.offset}
            {origin.enqueued !== null ? (
              <>
                {" "}
                · enqueued <When at={origin.enqueued} />
              </>
            ) : null}
          </p>
        ) : null}
        {s.reason ? <p className="field-error">{s.reason}</p> : null}
      </header>
      <div className="segmented" role="tablist">
        {tabs.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={effectiveTab === t} aria-pressed={effectiveTab === t} data-testid={`tab-${t}`} onClick={() => { setTab(t); }}>
            {tabLabel[t]}
          </button>
        ))}
      </div>
      {effectiveTab === "items" ? d.items.map((item) => <Item key={item.id} item={item} />) : null}
      {effectiveTab === "tokens" ? <Tokens id={s.id} /> : null}
      {effectiveTab === "body" ? (
        <>
          {s.bodyBytes === 0 ? (
            <p className="muted" data-testid="raw-body">
              No body: the request carried none.
            </p>
          ) : d.bodyText !== null ? (
            <JsonView text={d.bodyText} testId="raw-body" partial={d.bodyTruncated} />
          ) : (
            <pre className="code-block" data-testid="raw-body">
              {d.bodyBase64 ?? ""}
            </pre>
          )}
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
                  <When at={f.at} /> → {f.url}: {f.status !== null ? `${String(f.status)} in ${String(f.durationMs)} ms` : f.failure}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </div>
  );
});
