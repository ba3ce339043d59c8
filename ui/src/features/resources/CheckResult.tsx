import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { copyText } from "../../components/CopyButton";
import { Badge } from "../../components/Badge";
import type { AccountKind, CatalogCheckResponse, Permission, PermissionHint } from "../../ipc/bindings";
import { useCommand } from "../../ipc/queries";
import { Prose } from "../../components/Prose";

const kindLabels: Record<AccountKind, string> = {
  delegatedWork: "Delegated · work or school",
  delegatedPersonal: "Delegated · personal account",
  application: "Application",
};

/** `ChannelMessage.Read.All` may wrap after a dot, never inside a word. */
function BreakableName({ name }: { name: string }) {
  const parts = name.split(".");
  return (
    <code>
      {parts.map((part, i) => (
        <span key={`${part}-${String(i)}`}>
          {part}
          {i < parts.length - 1 ? (
            <>
              .<wbr />
            </>
          ) : null}
        </span>
      ))}
    </code>
  );
}

function PermissionName({ permission }: { permission: Permission }) {
  return (
    <span className="permission">
      <BreakableName name={permission.name} />
      {permission.rsc ? <Badge title="Resource-specific consent: a team or chat owner grants it">RSC</Badge> : null}
      {permission.adminConsent ? <Badge tone="warn" title="An administrator must consent">admin consent</Badge> : null}
    </span>
  );
}

function HintCard({
  hint,
  active,
  grantedKnown,
  accountId,
}: {
  hint: PermissionHint;
  active: boolean;
  grantedKnown: boolean;
  accountId?: string | undefined;
}) {
  const status = hint.status;
  const request = useCommand("account_request_permissions");
  const least = hint.required.find((p) => !p.rsc);
  return (
    <div className="hint-card" data-kind={hint.accountKind} data-state={status.state} data-active={active}>
      <div className="hint-title">{kindLabels[hint.accountKind]}</div>
      {status.state === "unsupported" ? (
        <p className="hint-status hint-unsupported">Not supported for this path.</p>
      ) : status.state === "satisfied" ? (
        <p className="hint-status hint-ok">Granted: {status.by}</p>
      ) : active && grantedKnown ? (
        <p className="hint-status hint-missing">Missing: request one of these</p>
      ) : (
        <p className="hint-status">Needs one of these (least privileged first)</p>
      )}
      {hint.required.length > 0 ? (
        <ol className="permission-list">
          {hint.required.map((p) => (
            <li key={p.name}>
              <PermissionName permission={p} />
            </li>
          ))}
        </ol>
      ) : null}
      {active && grantedKnown && accountId && status.state === "missing" && least ? (
        <div className="hint-request">
          <Button
            data-testid="request-permission"
            disabled={request.isPending}
            onClick={() => {
              request.mutate({ id: accountId, scopes: [least.name] });
            }}
          >
            {request.isPending ? "Waiting for consent…" : `Request ${least.name}`}
          </Button>
          {request.error ? <ErrorBanner error={request.error} title="The permission was not granted" /> : null}
        </div>
      ) : null}
      {active && hint.action !== undefined ? (
        <p className="hint-action selectable" data-testid="hint-action">
          <strong>How to get it: </strong>
          {hint.action}
        </p>
      ) : null}
      {hint.warnings.map((w) => (
        <p key={w} className="hint-warning">
          {w}
        </p>
      ))}
    </div>
  );
}

type PreviewTab = "json" | "curl" | "http";
const tabLabels: Record<PreviewTab, string> = { json: "JSON", curl: "curl", http: "HTTP" };

function Preview({ preview }: { preview: CatalogCheckResponse["preview"] }) {
  const [tab, setTab] = useState<PreviewTab>("json");
  const [copied, setCopied] = useState<PreviewTab | null>(null);
  return (
    <div className="preview" data-testid="request-preview">
      <div className="preview-bar">
        <div className="segmented" role="tablist">
          {(Object.keys(tabLabels) as PreviewTab[]).map((key) => (
            <button key={key} type="button" role="tab" aria-selected={tab === key} aria-pressed={tab === key} onClick={() => { setTab(key); }}>
              {tabLabels[key]}
            </button>
          ))}
        </div>
        <span className="preview-spacer" />
        {(Object.keys(tabLabels) as PreviewTab[]).map((key) => (
          <Button
            key={key}
            variant="ghost"
            data-testid={`copy-${key}`}
            onClick={() => {
              void copyText(preview[key]).then((ok) => {
                setCopied(ok ? key : null);
              });
            }}
          >
            {copied === key ? "Copied" : `Copy as ${tabLabels[key]}`}
          </Button>
        ))}
      </div>
      <pre className="preview-code selectable" data-testid={`preview-${tab}`}>
        {preview[tab]}
      </pre>
    </div>
  );
}

/**
 * `grantedKnown`: whether the check had the account's granted permissions; `accountId`: the
 * delegated account that may ask for a missing permission (incremental consent).
 */
export function CheckResult({
  result,
  activeKind,
  grantedKnown = false,
  accountId,
}: {
  result: CatalogCheckResponse;
  activeKind: AccountKind;
  grantedKnown?: boolean;
  accountId?: string;
}) {
  const { check } = result;
  return (
    <>
      <div className="problems" data-testid="problems">
        {check.problems.length === 0 ? (
          <p className="problem problem-ok">Graph would accept this subscription.</p>
        ) : (
          check.problems.map((p, i) => (
            <div key={`${p.field}-${String(i)}`} className={`problem problem-${p.severity}`}>
              <span className="problem-field mono">{p.field}</span>
              <span className="problem-message">
                <Prose text={p.message} />
              </span>
              <span className="problem-fix">
                <Prose text={p.fix} />
              </span>
            </div>
          ))
        )}
        {check.nearest.length > 0 ? (
          <p className="problem-nearest">
            Nearest: {check.nearest.map((n) => <code key={n}>{n}</code>)}
          </p>
        ) : null}
      </div>
      {result.hints.length > 0 ? (
        <div className="hints" data-testid="permission-hints">
          {result.hints.map((h) => (
            <HintCard
              key={h.accountKind}
              hint={h}
              active={h.accountKind === activeKind}
              grantedKnown={grantedKnown}
              accountId={accountId}
            />
          ))}
        </div>
      ) : null}
      <Preview preview={result.preview} />
    </>
  );
}
