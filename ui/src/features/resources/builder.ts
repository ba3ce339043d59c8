// Turns the explorer's choices into a resource string and a proposal for `catalog_check`, and
// where Graph should deliver into the target sent.
import type { AccountKind, Placeholder, Proposal, ResourcePath } from "../../ipc/bindings";
import { hubTarget } from "../eventhubs/hub";

export type Choice = {
  template: string;
  values: Record<string, string>;
  useMe: boolean;
  /** Everything after the `?` (`$select=subject,from`), as typed. */
  query: string;
  changeTypes: string[];
  expiresInMinutes: string;
  includeResourceData: boolean;
  lifecycleUrl: boolean;
  accountKind: AccountKind;
};

/** Splits a template into literal text and placeholder names, in order. */
export function templateParts(template: string): { text: string; placeholder: boolean }[] {
  const parts: { text: string; placeholder: boolean }[] = [];
  const pattern = /\{([a-z0-9-]+)\}/g;
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index), placeholder: false });
    parts.push({ text: match[1] ?? "", placeholder: true });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last), placeholder: false });
  return parts;
}

export function placeholderNames(template: string): string[] {
  return templateParts(template)
    .filter((p) => p.placeholder)
    .map((p) => p.text);
}

/** The resource string: placeholders filled where typed, `{name}` left visible where not, and the
 * query options after a `?`. */
export function resourceString(path: ResourcePath, choice: Choice): string {
  let text = templateParts(path.template)
    .map((part) => {
      if (!part.placeholder) return part.text;
      const value = (choice.values[part.text] ?? "").trim();
      return value === "" ? `{${part.text}}` : value;
    })
    .join("");
  if (choice.useMe && path.me) text = text.replace(/^\/users\/[^/]+/, "/me");
  const query = choice.query.trim();
  if (query === "") return text;
  // Some paths carry a query of their own (`?$filter={…}`): more options join it with &.
  return `${text}${text.includes("?") ? "&" : "?"}${query}`;
}

/** A message for a placeholder value that cannot be right, or null. */
export function placeholderProblem(value: string, placeholder: Placeholder | undefined): string | null {
  const trimmed = value.trim();
  if (trimmed === "") return "Required.";
  if (trimmed.length > 1000) return "Too long for an id.";
  if (/[{}]/.test(trimmed)) return "Replace the {…} with a real value.";
  if (placeholder?.kind !== "filter" && placeholder?.kind !== "url" && placeholder?.kind !== "idList" && /[\s/?#]/.test(trimmed)) {
    return "Ids contain no spaces, slashes, ? or #.";
  }
  return null;
}

/** Why the minutes typed cannot be a subscription's lifetime, or null: whole minutes, 1 or more
 * (the catalog check then says whether the resource allows that many). Nothing is rounded or
 * defaulted: what is checked and previewed is what is sent. */
export function expiryProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "Enter how many minutes the subscription should last.";
  if (!/^\d{1,9}$/.test(trimmed) || Number(trimmed) < 1) return "Enter whole minutes, 1 or more (no decimals or letters).";
  return null;
}

/** Where Graph delivers: this app's receiver, or an Azure Event Hub. `tenant` is null until typed
 * (the account's tenant is used until then). */
export type Delivery = { to: "receiver" | "eventHub"; namespace: string; hub: string; tenant: string | null };

export const receiverDelivery: Delivery = { to: "receiver", namespace: "", hub: "", tenant: null };

/** Tenants that are not one tenant: Graph needs the namespace's own in an `EventHub:` target. */
const notOneTenant = ["common", "organizations", "consumers"];

/** The tenant an event hub target names: as typed, else the account's. */
export function deliveryTenant(delivery: Delivery, accountTenant: string | undefined): string {
  return delivery.tenant ?? accountTenant ?? "";
}

/** The `EventHub:` target (null: this app's receiver). Built whatever is typed, so the check shows
 * what is wrong with it; `deliveryProblem` keeps an unfinished one from being created. */
export function deliveryTarget(delivery: Delivery, accountTenant: string | undefined): string | null {
  if (delivery.to === "receiver") return null;
  return hubTarget(delivery.namespace, delivery.hub, deliveryTenant(delivery, accountTenant));
}

/** Why the event hub target cannot be used yet, or null. */
export function deliveryProblem(delivery: Delivery, accountTenant: string | undefined): string | null {
  if (delivery.to === "receiver") return null;
  const tenant = deliveryTenant(delivery, accountTenant).trim();
  if (delivery.namespace.trim() === "" || delivery.hub.trim() === "" || tenant === "") {
    return "Fill in the event hub's namespace, name and tenant first.";
  }
  if (notOneTenant.includes(tenant.toLowerCase())) {
    return `Use the tenant id or domain of the hub's namespace, not '${tenant}'.`;
  }
  return null;
}

/** `notificationUrl`: the delivery target when there is one (the check and preview then show it). */
export function toProposal(path: ResourcePath, choice: Choice, notificationUrl: string | null = null): Proposal {
  const valid = expiryProblem(choice.expiresInMinutes) === null;
  return {
    resource: resourceString(path, choice),
    changeTypes: choice.changeTypes,
    ...(valid ? { expiresInMinutes: Number(choice.expiresInMinutes.trim()) } : {}),
    includeResourceData: choice.includeResourceData,
    hasEncryptionCertificate: choice.includeResourceData,
    hasLifecycleUrl: choice.lifecycleUrl,
    accountKind: choice.accountKind,
    ...(notificationUrl !== null ? { notificationUrl } : {}),
  };
}
