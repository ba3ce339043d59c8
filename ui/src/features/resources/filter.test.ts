import { describe, expect, it } from "vitest";

import type { CatalogView, Resource } from "../../ipc/bindings";
import { expiryProblem, placeholderNames, placeholderProblem, resourceString, toProposal } from "./builder";
import { defaultFilters, filterResources, humanMinutes } from "./filter";
import { queryProblem, selected, withSelect } from "./QueryOptions";

function resource(partial: Partial<Resource> & Pick<Resource, "id" | "workload">): Resource {
  return {
    name: partial.id,
    entity: partial.id,
    docs: "https://learn.microsoft.com/x",
    description: "",
    changeTypes: ["created"],
    api: ["v1.0", "beta"],
    maxMinutes: 4320,
    history: [],
    rich: { supported: false, select: "optional", encryptionRequired: false, maxItems: null, properties: [] },
    lifecycle: { requiredOverMinutes: null, events: [] },
    headers: [],
    quotas: [],
    notes: [],
    sources: [],
    permissions: { delegatedWork: [], delegatedPersonal: [], application: [] },
    paths: [{ template: `/${partial.id}`, summary: "", me: false, quotas: [] }],
    ...partial,
  };
}

const none = { delegatedWork: [], delegatedPersonal: [], application: [] };
const appOnly = { ...none, application: [{ name: "X.Read.All", rsc: false, adminConsent: true }] };

const view: CatalogView = {
  data: {
    version: 1,
    reviewed: "2026-11-01",
    delegatedAdminConsent: [],
    placeholders: {},
    resources: [
      resource({ id: "chatMessage", workload: "Teams", rich: { supported: true, select: "refused", encryptionRequired: false, maxItems: null, properties: [] } }),
      resource({ id: "message", workload: "Outlook" }),
      resource({ id: "shift", workload: "Teams", api: ["beta"] }),
      resource({ id: "baseTask", workload: "To Do", deprecated: "use todoTask" }),
    ],
  },
  permissions: { "/chatMessage": appOnly, "/message": none, "/shift": none, "/baseTask": none },
};

describe("filterResources", () => {
  it("groups by workload in the product's order", () => {
    const groups = filterResources(view, defaultFilters).map((g) => g.workload);
    expect(groups).toEqual(["Outlook", "Teams", "To Do"]);
  });

  it("searches every word across names and paths", () => {
    const hits = filterResources(view, { ...defaultFilters, query: "CHAT message" }).flatMap((g) => g.resources.map((r) => r.id));
    expect(hits).toEqual(["chatMessage"]);
  });

  it("filters by account kind, rich data, beta and deprecation", () => {
    const ids = (f: Partial<typeof defaultFilters>) =>
      filterResources(view, { ...defaultFilters, ...f }).flatMap((g) => g.resources.map((r) => r.id));
    expect(ids({ accountKind: "application" })).toEqual(["chatMessage"]);
    expect(ids({ richOnly: true })).toEqual(["chatMessage"]);
    expect(ids({ includeBeta: false })).not.toContain("shift");
    expect(ids({ includeDeprecated: false })).not.toContain("baseTask");
  });

  it("survives odd queries", () => {
    for (const query of ["", "   ", "{}", "日本語", "x".repeat(10_000), "(["]) {
      expect(() => filterResources(view, { ...defaultFilters, query })).not.toThrow();
    }
  });
});

describe("builder", () => {
  const path = { template: "/users/{user-id}/mailFolders('{mail-folder-id}')/messages", summary: "", me: true, quotas: [] };
  const choice = {
    template: path.template,
    values: { "mail-folder-id": "inbox" },
    useMe: false,
    query: "",
    changeTypes: ["created"],
    expiresInMinutes: "60",
    includeResourceData: false,
    lifecycleUrl: false,
    accountKind: "delegatedWork" as const,
  };

  it("lists placeholders in order", () => {
    expect(placeholderNames(path.template)).toEqual(["user-id", "mail-folder-id"]);
  });

  it("keeps unfilled placeholders visible and honours /me", () => {
    expect(resourceString(path, choice)).toBe("/users/{user-id}/mailFolders('inbox')/messages");
    expect(resourceString(path, { ...choice, useMe: true })).toBe("/me/mailFolders('inbox')/messages");
  });

  it("keeps the query options in the resource and edits $select without losing the rest", () => {
    expect(resourceString(path, { ...choice, useMe: true, query: " $select=subject,from " })).toBe("/me/mailFolders('inbox')/messages?$select=subject,from");
    expect(selected("$top=5&$select=subject, from")).toEqual(["subject", "from"]);
    expect(withSelect("$top=5&$select=subject", ["subject", "body"])).toBe("$select=subject,body&$top=5");
    expect(withSelect("$select=subject", [])).toBe("");
    const filtered = { template: "/security/alerts?$filter={odata-filter}", summary: "", me: false, quotas: [] };
    expect(resourceString(filtered, { ...choice, template: filtered.template, values: { "odata-filter": "x" }, query: "$top=1" })).toBe(
      "/security/alerts?$filter=x&$top=1",
    );
    expect(queryProblem("?$select=a")).toMatch(/leading/);
    expect(queryProblem("$select=a#b")).toMatch(/#/);
    expect(queryProblem("$select=subject")).toBeNull();
  });

  it("validates values as typed", () => {
    expect(placeholderProblem("", undefined)).toBe("Required.");
    expect(placeholderProblem("{}", undefined)).toMatch(/real value/);
    expect(placeholderProblem("a/b", { entity: "user", label: "", example: "", kind: "id" })).toMatch(/slashes/);
    expect(placeholderProblem("status eq 'x'", { entity: "filter", label: "", example: "", kind: "filter" })).toBeNull();
  });

  it("turns choices into a proposal", () => {
    expect(toProposal(path, { ...choice, expiresInMinutes: "abc" }).expiresInMinutes).toBeUndefined();
    expect(toProposal(path, choice)).toMatchObject({ expiresInMinutes: 60, accountKind: "delegatedWork" });
  });

  it("takes a lifetime only as whole minutes, never rounded or defaulted", () => {
    for (const bad of ["", "  ", "abc", "1.5", "-5", "0", "1e3", "60m"]) {
      expect(expiryProblem(bad), bad).not.toBeNull();
      expect(toProposal(path, { ...choice, expiresInMinutes: bad }).expiresInMinutes, bad).toBeUndefined();
    }
    expect(expiryProblem(" 4230 ")).toBeNull();
    expect(toProposal(path, { ...choice, expiresInMinutes: "4230" }).expiresInMinutes).toBe(4230);
  });
});

describe("humanMinutes", () => {
  it.each([
    [60, "1 hour"],
    [4320, "3 days"],
    [4230, "2.9 days"],
    [1440, "1 day"],
    [45, "45 minutes"],
  ])("%d -> %s", (m, text) => {
    expect(humanMinutes(m)).toBe(text);
  });
});
