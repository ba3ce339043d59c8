import { ExternalLink } from "../../components/ExternalLink";
import { Badge } from "../../components/Badge";
import type { AccountKind, AccountType, CatalogView, Resource } from "../../ipc/bindings";
import { useAccounts, useCatalogCheck } from "../../ipc/queries";
import {
  type Choice,
  type Delivery,
  deliveryProblem,
  deliveryTarget,
  expiryProblem,
  placeholderNames,
  placeholderProblem,
  resourceString,
  toProposal,
} from "./builder";
import { CheckResult } from "./CheckResult";
import { CreateSubscription } from "./CreateSubscription";
import { DeliverTo } from "./DeliverTo";
import { PlaceholderPicker } from "./PlaceholderPicker";
import { QueryOptions, queryProblem, selected, withSelect } from "./QueryOptions";
import { humanMinutes } from "./filter";

const kindOptions: { value: AccountKind; label: string }[] = [
  { value: "delegatedWork", label: "Delegated (work or school)" },
  { value: "delegatedPersonal", label: "Delegated (personal)" },
  { value: "application", label: "Application" },
];

function Facts({ resource }: { resource: Resource }) {
  const rich = resource.rich;
  const richText = !rich.supported
    ? "Not supported: notifications carry ids only."
    : [
        "Supported (encrypted with your certificate).",
        rich.select === "required" ? "$select is required in the resource." : null,
        rich.select === "refused" ? "$select is refused; all properties are sent." : null,
        rich.encryptionRequired ? "An encryption certificate is always required." : null,
        rich.maxItems !== null ? `At most ${String(rich.maxItems)} items per subscription.` : null,
      ]
        .filter(Boolean)
        .join(" ");
  const lifecycle = [
    resource.lifecycle.requiredOverMinutes !== null
      ? `lifecycleNotificationUrl required above ${humanMinutes(resource.lifecycle.requiredOverMinutes)}.`
      : null,
    `Events: ${resource.lifecycle.events.join(", ")}.`,
  ]
    .filter(Boolean)
    .join(" ");
  const rows: [string, string][] = [
    ["Change types", resource.changeTypes.join(", ")],
    [
      "Maximum length",
      `${humanMinutes(resource.maxMinutes)} (${resource.maxMinutes.toLocaleString("en-US")} minutes)` +
        (resource.maxMinutesRich !== undefined ? `; ${humanMinutes(resource.maxMinutesRich)} with resource data` : ""),
    ],
    ["API versions", resource.api.join(", ")],
    ["Rich notifications", richText],
    ["Lifecycle", lifecycle],
  ];
  for (const h of resource.history) rows.push(["Earlier docs", `${humanMinutes(h.minutes)}: ${h.note}`]);
  for (const h of resource.headers) rows.push(["Header", `${h.name}: ${h.value}. ${h.why}`]);
  for (const q of resource.quotas) rows.push(["Quota", q]);
  for (const n of resource.notes) rows.push(["Note", n]);
  if (resource.deprecated) rows.push(["Deprecated", resource.deprecated]);
  return (
    <dl className="details facts" data-testid="resource-facts">
      {rows.map(([label, value], i) => (
        <div key={`${label}-${String(i)}`} className="details-row">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
      <div className="details-row">
        <dt>Docs</dt>
        <dd className="mono">
          <ExternalLink url={resource.docs} />
        </dd>
      </div>
    </dl>
  );
}

/** Which permissions of the catalog apply to an account. */
export function catalogKindOf(kind: AccountType): AccountKind {
  if (kind === "personal") return "delegatedPersonal";
  if (kind === "application" || kind === "sandboxApp") return "application";
  return "delegatedWork";
}

export function ResourceDetail({
  view,
  resource,
  choice,
  onChange,
  delivery,
  onDelivery,
}: {
  view: CatalogView;
  resource: Resource;
  choice: Choice;
  onChange: (choice: Choice) => void;
  /** Where Graph delivers (shared by every resource's form). */
  delivery: Delivery;
  onDelivery: (delivery: Delivery) => void;
}) {
  const path = resource.paths.find((p) => p.template === choice.template) ?? resource.paths[0];
  const expiry = expiryProblem(choice.expiresInMinutes);
  const accounts = useAccounts();
  const account = accounts.data?.accounts.find((a) => a.current);
  // The event hub target, as checked, previewed and sent (null: this app's receiver).
  const target = deliveryTarget(delivery, account?.config.tenant);
  // No check (and no preview) of a lifetime that is not the one that would be sent.
  const proposal = path && expiry === null && queryProblem(choice.query) === null ? toProposal(path, choice, target) : null;
  // The account in use's token decides the hints for its own kind of account.
  const granted =
    account?.claims && catalogKindOf(account.config.kind) === choice.accountKind ? account.claims.permissions : null;
  const check = useCatalogCheck(proposal ? { proposal, granted: granted ?? [] } : null);
  if (!path) return null;
  const names = placeholderNames(path.template);
  const set = (patch: Partial<Choice>) => {
    onChange({ ...choice, ...patch });
  };

  return (
    <div className="detail" data-testid="resource-detail">
      <header className="detail-header">
        <h2 className="detail-title">{resource.name}</h2>
        <Badge>{resource.workload}</Badge>
        <code className="detail-entity">{resource.entity}</code>
      </header>
      <p className="detail-description">{resource.description}</p>
      <Facts resource={resource} />

      <h3 className="detail-section">Path</h3>
      <div className="path-options" role="radiogroup" aria-label="Resource path">
        {resource.paths.map((p) => (
          <label key={p.template} className="path-option" data-selected={p.template === path.template}>
            <input
              type="radio"
              name="path"
              data-template={p.template}
              checked={p.template === path.template}
              onChange={() => {
                set({ template: p.template, values: {}, useMe: p.me && choice.accountKind !== "application" });
              }}
            />
            <code>{p.template}</code>
            <span className="path-summary">
              {p.summary}
              {p.deprecated ? ` (deprecated: ${p.deprecated})` : ""}
            </span>
          </label>
        ))}
      </div>

      {path.me ? (
        <label className="check-row">
          <input type="checkbox" data-testid="use-me" checked={choice.useMe} onChange={(e) => { set({ useMe: e.target.checked }); }} />
          Use <code>/me</code> for the signed-in user (delegated only)
        </label>
      ) : null}

      {names.length > 0 ? (
        <div className="placeholders">
          {names.map((name) => {
            if (choice.useMe && name === "user-id" && path.template.startsWith("/users/{user-id}")) return null;
            const info = view.data.placeholders[name];
            const value = choice.values[name] ?? "";
            const problem = value === "" ? null : placeholderProblem(value, info);
            return (
              <label key={name} className="placeholder-field">
                <span className="placeholder-label">
                  {info?.label ?? name} <code>{`{${name}}`}</code>
                </span>
                <input
                  className="input mono"
                  data-placeholder={name}
                  value={value}
                  maxLength={2048}
                  placeholder={info?.example ?? ""}
                  aria-invalid={problem !== null}
                  onChange={(e) => {
                    set({ values: { ...choice.values, [name]: e.target.value } });
                  }}
                />
                {account ? (
                  <PlaceholderPicker
                    name={name}
                    accountId={account.config.id}
                    accountName={account.config.name}
                    appOnly={catalogKindOf(account.config.kind) === "application"}
                    values={choice.values}
                    onPick={(picked) => {
                      set({ values: { ...choice.values, [name]: picked } });
                    }}
                  />
                ) : null}
                {problem ? <span className="field-error">{problem}</span> : null}
              </label>
            );
          })}
        </div>
      ) : null}

      <QueryOptions
        resource={resource}
        query={choice.query}
        onChange={(query) => {
          set({ query });
        }}
      />

      <div className="resource-string" data-testid="resource-string">
        <span className="statusbar-label">resource</span>
        <code>{resourceString(path, choice)}</code>
      </div>

      <h3 className="detail-section">Subscription</h3>
      <div className="options-grid">
        <fieldset className="option">
          <legend>Change types</legend>
          {resource.changeTypes.map((type) => (
            <label key={type} className="check-row">
              <input
                type="checkbox"
                checked={choice.changeTypes.includes(type)}
                onChange={(e) => {
                  set({ changeTypes: e.target.checked ? [...choice.changeTypes, type] : choice.changeTypes.filter((t) => t !== type) });
                }}
              />
              {type}
            </label>
          ))}
        </fieldset>
        <label className="option">
          <span className="option-label">Expires in (minutes)</span>
          <input
            className="input mono"
            inputMode="numeric"
            data-testid="expires-in"
            value={choice.expiresInMinutes}
            aria-invalid={expiry !== null}
            onChange={(e) => { set({ expiresInMinutes: e.target.value.slice(0, 9) }); }}
          />
          {expiry ? (
            <span className="field-error" role="alert" data-testid="expiry-problem">
              {expiry}
            </span>
          ) : (
            <span className="field-help">Up to {humanMinutes(resource.maxMinutes)}; Graph raises anything below 45 minutes.</span>
          )}
        </label>
        <div className="option">
          <label className="check-row">
            <input
              type="checkbox"
              data-testid="include-resource-data"
              checked={choice.includeResourceData}
              disabled={!resource.rich.supported}
              onChange={(e) => {
                const rich = e.target.checked;
                // Outlook's rich notifications need $select: start with the first two properties
                // (shown in the builder, where they can be changed).
                const needsSelect = rich && resource.rich.select === "required" && selected(choice.query).length === 0;
                set({
                  includeResourceData: rich,
                  ...(needsSelect ? { query: withSelect(choice.query, resource.rich.properties.slice(0, 2)) } : {}),
                });
              }}
            />
            Include resource data
          </label>
          <label className="check-row">
            <input type="checkbox" checked={choice.lifecycleUrl} onChange={(e) => { set({ lifecycleUrl: e.target.checked }); }} />
            Lifecycle notification URL
          </label>
        </div>
        <label className="option">
          <span className="option-label">Check as</span>
          <select className="select" value={choice.accountKind} onChange={(e) => { set({ accountKind: e.target.value as AccountKind }); }}>
            {kindOptions.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      </div>

      <DeliverTo delivery={delivery} accountTenant={account?.config.tenant} onChange={onDelivery} />

      <h3 className="detail-section">Check, permissions and request</h3>
      {expiry ? (
        <p className="panel-description" data-testid="check-waits">
          Fix the lifetime above to see the checks and the exact request.
        </p>
      ) : check.isError ? (
        <p className="field-error">{check.error.message}</p>
      ) : check.data ? (
        <>
          {granted && account ? (
            <p className="panel-description" data-testid="checked-against">
              Permissions checked against the token of {account.config.name}.
            </p>
          ) : null}
          <CheckResult
            result={check.data}
            activeKind={choice.accountKind}
            grantedKnown={granted !== null}
            {...(granted && account && catalogKindOf(account.config.kind) !== "application"
              ? { accountId: account.config.id }
              : {})}
          />
        </>
      ) : (
        <p className="panel-description">Checking…</p>
      )}

      <h3 className="detail-section">Create it</h3>
      <CreateSubscription
        account={account}
        resource={resourceString(path, choice)}
        changeTypes={choice.changeTypes}
        expiresInMinutes={choice.expiresInMinutes}
        includeResourceData={choice.includeResourceData}
        lifecycleUrl={choice.lifecycleUrl}
        eventHub={target !== null ? { target, hub: delivery.hub.trim() } : null}
        blocked={
          names.some((n) => (choice.values[n] ?? "") === "" && !(choice.useMe && n === "user-id"))
            ? "Fill in every placeholder first."
            : expiry
              ? "Fix the lifetime first."
              : queryProblem(choice.query)
                ? "Fix the query options first."
                : deliveryProblem(delivery, account?.config.tenant)
        }
        onOpenInspector={() => {
          window.location.hash = "/inspector";
        }}
      />
    </div>
  );
}
