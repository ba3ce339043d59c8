// Every Graph request the app made for this account and its answer, newest first; each can be
// opened and copied as curl. Headers and bodies are shown as text (Authorization and any
// clientState are redacted by the backend before anything is stored).

import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { Panel } from "../../components/Panel";
import type { Exchange } from "../../ipc/bindings";
import { useCommand, useHttpLog } from "../../ipc/queries";

/** What the backend writes where a secret was (Authorization, a clientState). */
const REDACTED = "‹redacted›";

/**
 * The request as curl, the token left as $TOKEN and a redacted clientState as $CLIENT_STATE
 * (mirrors Exchange::to_curl in the backend).
 */
export function curlOf(exchange: Exchange): string {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const parts = [`curl -X ${exchange.method}`, quote(exchange.url)];
  for (const [name, value] of exchange.requestHeaders) {
    parts.push(name.toLowerCase() === "authorization" ? '-H "Authorization: Bearer $TOKEN"' : `-H ${quote(`${name}: ${value}`)}`);
  }
  if (exchange.requestBody !== undefined) {
    const body = quote(exchange.requestBody).replaceAll(`"${REDACTED}"`, `"'"$CLIENT_STATE"'"`);
    parts.push(`--data-raw ${body}`);
  }
  return parts.join(" \\\n  ");
}

function pretty(body: string | undefined): string {
  if (body === undefined) return "(no body)";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Entry({ exchange }: { exchange: Exchange }) {
  const ok = exchange.status !== undefined && exchange.status < 400;
  const path = exchange.url.replace(/^https?:\/\/[^/]+/, "");
  return (
    <details className="http-entry" data-testid="http-entry">
      <summary>
        <span className="mono">{exchange.method}</span>
        <span className={`mono ${ok ? "status-ok" : "status-bad"}`}>{exchange.status ?? "—"}</span>
        <span className="mono subscription-url" title={exchange.url}>
          {path}
        </span>
        <span className="muted">{exchange.durationMs} ms</span>
      </summary>
      {exchange.failure ? <p className="status-bad">{exchange.failure}</p> : null}
      <pre>{exchange.requestHeaders.map(([n, v]) => `${n}: ${v}`).join("\n")}</pre>
      {exchange.requestBody !== undefined ? <pre>{pretty(exchange.requestBody)}</pre> : null}
      <pre>{exchange.responseHeaders.map(([n, v]) => `${n}: ${v}`).join("\n")}</pre>
      <pre>{pretty(exchange.responseBody)}</pre>
      <CopyButton variant="default" text={curlOf(exchange)} label="Copy as curl" />
    </details>
  );
}

export function HttpLog({ accountId }: { accountId: string }) {
  const log = useHttpLog(accountId);
  const clear = useCommand("http_log_clear");
  const entries = log.data ?? [];
  return (
    <Panel title="HTTP log" description="Every request to Microsoft Graph for this account, newest first." testId="http-log">
      <div className="log-actions">
        <Button
          onClick={() => {
            void log.refetch();
          }}
        >
          Refresh
        </Button>
        <Button
          variant="ghost"
          disabled={entries.length === 0 || clear.isPending}
          onClick={() => {
            clear.mutate(null);
          }}
        >
          Clear
        </Button>
      </div>
      {entries.length === 0 ? <p className="muted">No requests yet.</p> : null}
      <div className="http-log">
        {entries.map((exchange) => (
          <Entry key={exchange.id} exchange={exchange} />
        ))}
      </div>
    </Panel>
  );
}
