// Accounts: add one (the sandbox in one click, a Microsoft account, an app registration), see
// what each token says, choose the one in use, check it, sign out.
import { useState } from "react";

import { Banner, ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { EmptyState } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { toStudioError } from "../../ipc/client";
import { Panel } from "../../components/Panel";
import { AccountCard } from "./AccountCard";
import { AppForm, DelegatedForm } from "./AddForms";
import type { AccountSummary } from "../../ipc/bindings";
import { useCommand, useAccounts, useSandboxInfo } from "../../ipc/queries";
import "./accounts.css";

type Adding = "none" | "delegated" | "app";

export function AccountsScreen() {
  const accounts = useAccounts();
  const [adding, setAdding] = useState<Adding>("none");
  const list = accounts.data?.accounts ?? [];
  const hasSandbox = list.some((a) => a.config.kind === "sandbox" || a.config.kind === "sandboxApp");

  return (
    <div className="screen">
      <PageHeader title="Accounts" subtitle="The identities the app calls Microsoft Graph with." />
      {accounts.data?.secretStorage === "session" ? (
        <Banner tone="warning" title="Secrets are kept for this session only" testId="session-secrets">
          <p className="banner-message">
            Sign-ins are forgotten when the app quits. Choose the system keyring in Settings to keep them.
          </p>
        </Banner>
      ) : null}
      {accounts.error ? <ErrorBanner error={accounts.error} title="The accounts could not be read" /> : null}
      {accounts.data?.secretProblem ? (
        <ErrorBanner error={toStudioError(accounts.data.secretProblem)} title="Secrets cannot be kept in the system keyring" />
      ) : null}

      <Panel title="Your accounts" testId="account-list">
        {accounts.isPending ? <p className="muted">Loading…</p> : null}
        {!accounts.isPending && list.length === 0 ? (
          <EmptyState icon="accounts" title="No accounts yet" testId="accounts-empty">
            <p>Add the sandbox tenant to try everything offline, or connect your own tenant above.</p>
          </EmptyState>
        ) : null}
        <div className="account-cards">
          {list.map((account) => (
            <AccountCard key={account.config.id} account={account} />
          ))}
        </div>
      </Panel>
      <Panel title="Add an account" testId="add-account">
        <div className="add-options">
          <SandboxOption accounts={list} />
          <div className="add-option">
            <h3>Microsoft account</h3>
            <p>A work, school or personal account, signed in in your browser or with a device code.</p>
            <div className="add-actions">
              <Button
                data-testid="add-delegated"
                aria-expanded={adding === "delegated"}
                onClick={() => {
                  setAdding(adding === "delegated" ? "none" : "delegated");
                }}
              >
                Sign in…
              </Button>
            </div>
          </div>
          <div className="add-option">
            <h3>App registration</h3>
            <p>App-only access with a client secret or a certificate, for resources only apps can watch.</p>
            <div className="add-actions">
              <Button
                data-testid="add-app"
                aria-expanded={adding === "app"}
                onClick={() => {
                  setAdding(adding === "app" ? "none" : "app");
                }}
              >
                Add an app…
              </Button>
            </div>
          </div>
        </div>
        {adding === "delegated" ? (
          <DelegatedForm
            onDone={() => {
              setAdding("none");
            }}
          />
        ) : null}
        {adding === "app" ? (
          <AppForm
            onDone={() => {
              setAdding("none");
            }}
          />
        ) : null}
      </Panel>

      {hasSandbox ? <SandboxDetails /> : null}
    </div>
  );
}

/** The sandbox, signed in as any of its users (or as its app); the first is one click. */
function SandboxOption({ accounts }: { accounts: AccountSummary[] }) {
  const addSandbox = useCommand("account_add_sandbox");
  const info = useSandboxInfo(true);
  const users = info.data?.users ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  const user = picked ?? users[0] ?? null;
  const signedIn = new Set(
    accounts.filter((a) => a.config.kind === "sandbox").map((a) => (a.claims?.subject ?? a.config.name).toLowerCase()),
  );
  const hasSandbox = accounts.some((a) => a.config.kind === "sandbox");
  const hasApp = accounts.some((a) => a.config.kind === "sandboxApp");
  const already = user !== null && signedIn.has(user.toLowerCase());
  return (
    <div className="add-option">
      <h3>Sandbox tenant</h3>
      <p>An offline tenant on this computer with users, mail, chats, files and real webhook delivery.</p>
      {users.length > 0 ? (
        <label className="sandbox-user">
          <span className="muted">Sign in as</span>
          <select
            className="input"
            data-testid="sandbox-user"
            value={user ?? ""}
            onChange={(e) => {
              setPicked(e.target.value);
            }}
          >
            {users.map((u) => (
              <option key={u} value={u}>
                {u}
                {signedIn.has(u.toLowerCase()) ? " (signed in)" : ""}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <div className="add-actions">
        <Button
          variant={hasSandbox ? "default" : "primary"}
          data-testid="add-sandbox"
          disabled={addSandbox.isPending || already}
          onClick={() => {
            addSandbox.mutate({ appOnly: false, ...(user ? { userPrincipalName: user } : {}) });
          }}
        >
          {addSandbox.isPending ? "Signing in…" : already ? "Signed in" : hasSandbox ? "Add this user" : "Add the sandbox"}
        </Button>
        <Button
          variant="ghost"
          data-testid="add-sandbox-app"
          disabled={addSandbox.isPending || hasApp}
          onClick={() => {
            addSandbox.mutate({ appOnly: true });
          }}
        >
          {hasApp ? "Its app is added" : "As its app (app-only)"}
        </Button>
      </div>
      {addSandbox.error ? (
        <ErrorBanner
          error={addSandbox.error}
          title="The sandbox could not be added"
          onDismiss={() => {
            addSandbox.reset();
          }}
        />
      ) : null}
    </div>
  );
}

/** Where the sandbox answers, for curl and your own tests. */
function SandboxDetails() {
  const info = useSandboxInfo(true);
  if (!info.data) return null;
  const rows: [string, string][] = [
    ["Graph", info.data.graphBase],
    ["Sign-in (authority)", info.data.authorityHost],
    ["Control API", info.data.control],
    ["Tenant id", info.data.tenantId],
    ["Desktop client id", info.data.publicClientId],
  ];
  return (
    <Panel
      title="Sandbox tenant on this computer"
      description="Point your own code or curl at it. To see a notification, use Trigger a change on a subscription (or POST to the control API)."
      testId="sandbox-details"
    >
      <dl className="account-facts">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt>{label}</dt>
            <dd className="mono">{value}</dd>
          </div>
        ))}
        <dt>Users</dt>
        <dd className="mono">{info.data.users.join(", ")}</dd>
      </dl>
    </Panel>
  );
}
