// The resource's query options (`$select`, `$filter`, …), editable, with a `$select` builder fed
// by the catalog's list of the resource's properties. Whatever is here is part of the resource
// string: checked, previewed and sent as shown.
import type { Resource } from "../../ipc/bindings";

/** The names in the query's `$select=`, in order. */
export function selected(query: string): string[] {
  const option = query.split("&").find((o) => o.trim().toLowerCase().startsWith("$select="));
  if (!option) return [];
  return option
    .slice(option.indexOf("=") + 1)
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** The query with its `$select=` set to `properties` (removed when empty), other options kept. */
export function withSelect(query: string, properties: string[]): string {
  const others = query
    .split("&")
    .map((o) => o.trim())
    .filter((o) => o !== "" && !o.toLowerCase().startsWith("$select="));
  return [...(properties.length > 0 ? [`$select=${properties.join(",")}`] : []), ...others].join("&");
}

/** Why the query cannot be part of a resource string, or null. */
export function queryProblem(query: string): string | null {
  if (query.length > 1024) return "At most 1,024 characters.";
  if (/[#\n\r]/.test(query)) return "A query has no # or line breaks.";
  if (query.trim().startsWith("?")) return "Leave out the leading ?.";
  return null;
}

export function QueryOptions({ resource, query, onChange }: { resource: Resource; query: string; onChange: (query: string) => void }) {
  const properties = resource.rich.select === "refused" ? [] : resource.rich.properties;
  const chosen = selected(query);
  const problem = queryProblem(query);
  return (
    <div className="query-options" data-testid="query-options">
      {properties.length > 0 ? (
        <fieldset className="select-builder" data-testid="select-builder">
          <legend>
            Properties (<code>$select</code>)
            {resource.rich.select === "required" ? <span className="muted"> · rich notifications carry only these</span> : null}
          </legend>
          {properties.map((name) => (
            <label key={name} className="check-row select-property">
              <input
                type="checkbox"
                data-property={name}
                checked={chosen.some((p) => p.toLowerCase() === name.toLowerCase())}
                onChange={(e) => {
                  const others = chosen.filter((p) => p.toLowerCase() !== name.toLowerCase());
                  onChange(withSelect(query, e.target.checked ? [...others, name] : others));
                }}
              />
              <code>{name}</code>
            </label>
          ))}
        </fieldset>
      ) : null}
      <label className="option query-field">
        <span className="option-label">Query options</span>
        <input
          className="input mono"
          data-testid="query-input"
          value={query}
          maxLength={1100}
          placeholder={properties.length > 0 ? `$select=${properties.slice(0, 2).join(",")}` : "none"}
          aria-invalid={problem !== null}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
        {problem ? (
          <span className="field-error" role="alert" data-testid="query-problem">
            {problem}
          </span>
        ) : (
          <span className="field-help">Everything after the ? of the resource, as Graph will read it.</span>
        )}
      </label>
    </div>
  );
}
