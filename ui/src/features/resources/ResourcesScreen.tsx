import "./explorer.css";

import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { PageHeader } from "../../components/PageHeader";
import type { AccountKind, Resource } from "../../ipc/bindings";
import { useAccounts, useCatalog } from "../../ipc/queries";
import { type Choice, type Delivery, receiverDelivery } from "./builder";
import { defaultFilters, type Filters, filterResources } from "./filter";
import { catalogKindOf, ResourceDetail } from "./ResourceDetail";
import { ResourceList } from "./ResourceList";
import { QuickStart } from "./QuickStart";
import { ResourceLookup } from "./ResourceLookup";

/** A resource's form before the user touches it: its first path (as `/me` when the account in use
 * is a signed-in user), its first change type, an hour, checked as the account in use. */
function initialChoice(resource: Resource, accountKind: AccountKind): Choice {
  const minutes = Math.min(60, resource.maxMinutes);
  const path = resource.paths[0];
  return {
    template: path?.template ?? "",
    values: {},
    useMe: accountKind !== "application" && path?.me === true,
    query: "",
    changeTypes: resource.changeTypes.slice(0, 1),
    expiresInMinutes: String(minutes),
    includeResourceData: false,
    lifecycleUrl: false,
    accountKind,
  };
}

export function ResourcesScreen() {
  const catalog = useCatalog();
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  // Where Graph delivers: one choice for every resource's form.
  const [delivery, setDelivery] = useState<Delivery>(receiverDelivery);
  const accounts = useAccounts();
  const current = accounts.data?.accounts.find((a) => a.current);
  const accountKind: AccountKind = current ? catalogKindOf(current.config.kind) : "delegatedWork";

  if (catalog.isError) {
    return (
      <div className="screen">
        <ErrorBanner error={catalog.error} title="The resource catalog could not be loaded" />
      </div>
    );
  }
  const view = catalog.data;
  const groups = view ? filterResources(view, filters) : [];
  const selected = view?.data.resources.find((r) => r.id === selectedId) ?? groups[0]?.resources[0];
  const choice = selected ? (choices[selected.id] ?? initialChoice(selected, accountKind)) : null;
  const count = groups.reduce((n, g) => n + g.resources.length, 0);

  return (
    <div className="explorer">
      <div className="explorer-head">
        <PageHeader title="Resources" subtitle="Everything in Microsoft Graph you can subscribe to, and what it takes." />
        <ResourceLookup
          onResolved={(resourceId, template, values, usesMe, query) => {
            const resource = view?.data.resources.find((r) => r.id === resourceId);
            if (!resource) return;
            // Placeholders left as {name} stay empty so the inputs ask for them.
            const filled = Object.fromEntries(Object.entries(values).filter(([, v]) => !/^\{.*\}$/.test(v) && v !== "me"));
            setFilters(defaultFilters);
            setSelectedId(resourceId);
            setChoices({ ...choices, [resourceId]: { ...initialChoice(resource, accountKind), template, values: filled, useMe: usesMe, query } });
          }}
        />
      </div>
      <aside className="explorer-list">
        <input
          className="input explorer-search"
          type="search"
          placeholder="Search resources, paths, entities…"
          aria-label="Search resources"
          data-testid="resource-search"
          value={filters.query}
          maxLength={200}
          onChange={(e) => {
            setFilters({ ...filters, query: e.target.value });
          }}
        />
        <div className="explorer-filters">
          <select
            className="select"
            aria-label="Account kind"
            value={filters.accountKind}
            onChange={(e) => {
              setFilters({ ...filters, accountKind: e.target.value as AccountKind | "any" });
            }}
          >
            <option value="any">Any account kind</option>
            <option value="delegatedWork">Work or school</option>
            <option value="delegatedPersonal">Personal account</option>
            <option value="application">Application</option>
          </select>
          <label className="check-row">
            <input type="checkbox" checked={filters.richOnly} onChange={(e) => { setFilters({ ...filters, richOnly: e.target.checked }); }} />
            Rich data only
          </label>
          <label className="check-row">
            <input type="checkbox" checked={filters.includeBeta} onChange={(e) => { setFilters({ ...filters, includeBeta: e.target.checked }); }} />
            Beta
          </label>
          <label className="check-row">
            <input type="checkbox" checked={filters.includeDeprecated} onChange={(e) => { setFilters({ ...filters, includeDeprecated: e.target.checked }); }} />
            Deprecated
          </label>
        </div>
        <div className="explorer-count">{view ? `${String(count)} of ${String(view.data.resources.length)} resources` : "Loading…"}</div>
        <ResourceList groups={groups} selectedId={selected?.id ?? null} onSelect={setSelectedId} />
      </aside>
      <section className="explorer-detail">
        <QuickStart />
        {view && selected && choice ? (
          <ResourceDetail
            key={selected.id}
            view={view}
            resource={selected}
            choice={choice}
            onChange={(next) => {
              setChoices({ ...choices, [selected.id]: next });
            }}
            delivery={delivery}
            onDelivery={setDelivery}
          />
        ) : view ? (
          <p className="explorer-empty">Pick a resource on the left.</p>
        ) : null}
      </section>
    </div>
  );
}
