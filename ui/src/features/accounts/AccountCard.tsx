// One account: who it is, which tenant and app, what its token grants and until when, and the
// actions on it. Everything shown is text (React escapes it); nothing is rendered as HTML.
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { Badge } from "../../components/Badge";
import type { AccountSummary, AccountType, IdentitySource } from "../../ipc/bindings";
import { toStudioError } from "../../ipc/client";
import { useCommand } from "../../ipc/queries";

const identitySources: Record<IdentitySource, string> = {
  idToken: "from the ID token of the sign-in (signature, issuer, audience and nonce checked)",
  graphMe: "from Graph's /me (the authority issued no ID token)",
  app: "the app registration itself",
};

const kindLabels: Record<AccountType, string> = {
  sandbox: "Sandbox user",
  sandboxApp: "Sandbox app",
  work: "Work or school",
  personal: "Personal",
  application: "App-only",
};

/** "in 52 min", "in 3 h", "expired" for a Unix time. */
export function untilText(unixSeconds: number, now: number = Date.now() / 1000): string {
  const seconds = Math.round(unixSeconds - now);
  if (seconds <= 0) return "expired";
  if (seconds < 90) return `in ${String(seconds)} s`;
  if (seconds < 90 * 60) return `in ${String(Math.round(seconds / 60))} min`;
  if (seconds < 48 * 3600) return `in ${String(Math.round(seconds / 3600))} h`;
  return `in ${String(Math.round(seconds / 86400))} days`;
}

export function AccountCard({ account }: { account: AccountSummary }) {
  const { config, claims } = account;
  const identity = config.identity;
  const displayName = identity?.displayName ?? claims?.displayName;
  const check = useCommand("account_check");
  const select = useCommand("account_select");
  const remove = useCommand("account_remove");
  const [confirming, setConfirming] = useState(false);
  const problem = check.error ?? (account.problem ? toStudioError(account.problem) : null);
  const credential =
    config.credential.kind === "certificate"
      ? `Certificate ${config.credential.thumbprint}`
      : config.credential.kind === "secret"
        ? "Client secret (in the keyring)"
        : "Signed-in user";

  return (
    <article className={`account-card${account.current ? " account-current" : ""}`} data-testid="account-card">
      <header className="account-head">
        <div>
          <h3 className="account-name" data-testid="account-name">
            {displayName ?? config.name}
          </h3>
          {displayName && displayName !== config.name ? (
            <p className="account-upn" data-testid="account-username">
              {config.name}
            </p>
          ) : null}
          <p className="account-meta">
            <Badge>{kindLabels[config.kind]}</Badge> {account.cloudLabel}
          </p>
        </div>
        {account.current ? (
          <Badge tone="accent" testId="account-in-use">
            In use
          </Badge>
        ) : (
          <Button
            data-testid="account-use"
            disabled={select.isPending}
            onClick={() => {
              select.mutate({ id: config.id });
            }}
          >
            Use this account
          </Button>
        )}
      </header>
      <dl className="account-facts">
        <dt>Tenant</dt>
        <dd className="mono">{identity?.tenantId || claims?.tenantId || config.tenant}</dd>
        {identity && identity.source !== "app" ? (
          <>
            <dt>User</dt>
            <dd data-testid="account-identity" title={`Who signed in, ${identitySources[identity.source]}`}>
              <span className="mono">{identity.objectKey}</span>{" "}
              <span className="account-identity-source">({identity.source === "idToken" ? "ID token" : "Graph /me"})</span>
            </dd>
          </>
        ) : null}
        <dt>Application (client) id</dt>
        <dd className="mono">{config.clientId}</dd>
        <dt>Credential</dt>
        <dd>{credential}</dd>
        <dt>Token</dt>
        <dd data-testid="account-token">
          {claims ? `valid, expires ${untilText(claims.expiresAt)}` : "not fetched since the app started"}
        </dd>
      </dl>
      {claims ? (
        <div className="account-permissions">
          <span className="account-permissions-label">
            {claims.appOnly ? "Application permissions (roles)" : "Delegated permissions granted"}
          </span>
          <ul className="chips" data-testid="account-permissions">
            {claims.permissions.length === 0 ? <li className="chip chip-empty">none</li> : null}
            {claims.permissions.map((permission) => (
              <li className="chip mono" key={permission}>
                {permission}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {problem ? <ErrorBanner error={problem} title="This account needs attention" /> : null}
      {remove.error ? <ErrorBanner error={remove.error} title="Sign-out failed" /> : null}
      <div className="account-actions">
        <Button
          data-testid="account-check"
          disabled={check.isPending}
          onClick={() => {
            check.mutate({ id: config.id });
          }}
        >
          {check.isPending ? "Checking…" : "Check now"}
        </Button>
        {confirming ? (
          <>
            <span className="confirm-text">Remove this account and its secrets?</span>
            <Button
              variant="primary"
              data-testid="account-remove-confirm"
              disabled={remove.isPending}
              onClick={() => {
                remove.mutate({ id: config.id });
              }}
            >
              Sign out
            </Button>
            <Button
              variant="ghost"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Keep
            </Button>
          </>
        ) : (
          <Button
            variant="ghost"
            data-testid="account-remove"
            onClick={() => {
              setConfirming(true);
            }}
          >
            Sign out…
          </Button>
        )}
      </div>
    </article>
  );
}
