// Search and filters of the resource list: pure functions over the generated catalog types.
import type { AccountKind, CatalogView, Resource } from "../../ipc/bindings";

export type Filters = {
  query: string;
  accountKind: AccountKind | "any";
  richOnly: boolean;
  includeBeta: boolean;
  includeDeprecated: boolean;
};

export const defaultFilters: Filters = {
  query: "",
  accountKind: "any",
  richOnly: false,
  includeBeta: true,
  includeDeprecated: true,
};

const workloadOrder = ["Outlook", "Teams", "Directory", "Files & SharePoint", "Security", "Print", "To Do", "Copilot"];

export function isBetaOnly(resource: Resource): boolean {
  return resource.api.every((v) => v === "beta");
}

export function isDeprecated(resource: Resource): boolean {
  return (
    resource.deprecated !== undefined || (resource.paths.length > 0 && resource.paths.every((p) => p.deprecated !== undefined))
  );
}

/** Whether an account kind can subscribe to at least one of the resource's paths. */
export function supports(view: CatalogView, resource: Resource, kind: AccountKind): boolean {
  return resource.paths.some((path) => (view.permissions[path.template]?.[kind].length ?? 0) > 0);
}

function matchesQuery(resource: Resource, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [
    resource.name,
    resource.id,
    resource.entity,
    resource.workload,
    resource.description,
    ...resource.paths.map((p) => `${p.template} ${p.summary}`),
  ]
    .join(" ")
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

/** The resources that pass the filters, grouped by workload in a fixed order. */
export function filterResources(view: CatalogView, filters: Filters): { workload: string; resources: Resource[] }[] {
  const kept = view.data.resources.filter(
    (r) =>
      matchesQuery(r, filters.query.slice(0, 200)) &&
      (filters.accountKind === "any" || supports(view, r, filters.accountKind)) &&
      (!filters.richOnly || r.rich.supported) &&
      (filters.includeBeta || !isBetaOnly(r)) &&
      (filters.includeDeprecated || !isDeprecated(r)),
  );
  const groups = new Map<string, Resource[]>();
  for (const resource of kept) {
    groups.set(resource.workload, [...(groups.get(resource.workload) ?? []), resource]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([workload, resources]) => ({ workload, resources }));
}

function rank(workload: string): number {
  const index = workloadOrder.indexOf(workload);
  return index === -1 ? workloadOrder.length : index;
}

/** Minutes in words, like the backend: 4320 → "3 days". */
export function humanMinutes(minutes: number): string {
  if (minutes >= 1440) {
    const days = minutes / 1440;
    return `${Number.isInteger(days) ? days : days.toFixed(1)} ${days === 1 ? "day" : "days"}`;
  }
  if (minutes >= 60) {
    const hours = minutes / 60;
    return `${Number.isInteger(hours) ? hours : hours.toFixed(1)} ${hours === 1 ? "hour" : "hours"}`;
  }
  return `${minutes} minutes`;
}
