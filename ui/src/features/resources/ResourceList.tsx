import { useRef } from "react";

import type { Resource } from "../../ipc/bindings";
import { isBetaOnly, isDeprecated } from "./filter";
import { Badge } from "../../components/Badge";

/** The grouped list: a listbox navigable with ↑ ↓ Home End; selection follows focus. */
export function ResourceList({
  groups,
  selectedId,
  onSelect,
}: {
  groups: { workload: string; resources: Resource[] }[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  const listRef = useRef<HTMLDivElement>(null);
  const flat = groups.flatMap((g) => g.resources);

  const move = (event: React.KeyboardEvent) => {
    const index = flat.findIndex((r) => r.id === selectedId);
    const last = flat.length - 1;
    const next =
      event.key === "ArrowDown" ? Math.min(index + 1, last)
      : event.key === "ArrowUp" ? Math.max(index - 1, 0)
      : event.key === "Home" ? 0
      : event.key === "End" ? last
      : null;
    if (next === null || last < 0) return;
    event.preventDefault();
    const target = flat[next];
    if (!target) return;
    onSelect(target.id);
    listRef.current?.querySelector<HTMLElement>(`[data-resource-id="${CSS.escape(target.id)}"]`)?.focus();
  };

  if (flat.length === 0) {
    return (
      <p className="explorer-empty" data-testid="resource-list-empty">
        No resource matches. Clear the search or the filters.
      </p>
    );
  }

  return (
    <div className="resource-list" role="listbox" aria-label="Resources" ref={listRef} onKeyDown={move} data-testid="resource-list">
      {groups.map((group) => (
        <div key={group.workload} role="group" aria-label={group.workload}>
          <div className="resource-group">{group.workload}</div>
          {group.resources.map((resource) => (
            <button
              key={resource.id}
              type="button"
              role="option"
              className="resource-item"
              data-resource-id={resource.id}
              aria-selected={resource.id === selectedId}
              tabIndex={resource.id === selectedId || (selectedId === null && resource === flat[0]) ? 0 : -1}
              onClick={() => {
                onSelect(resource.id);
              }}
            >
              <span className="resource-item-name">{resource.name}</span>
              <span className="resource-item-badges">
                {isBetaOnly(resource) ? <Badge>beta</Badge> : null}
                {resource.rich.supported ? <Badge tone="accent">rich</Badge> : null}
                {isDeprecated(resource) ? <Badge tone="warn">deprecated</Badge> : null}
              </span>
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}
