import { useState } from "react";

import { Button } from "../../components/Button";
import type { CatalogCheckResponse } from "../../ipc/bindings";
import { call, type StudioError } from "../../ipc/client";
import { Prose } from "../../components/Prose";

/** "I have this resource string: what is it?" Resolves it, or says why not with the nearest paths. */
export function ResourceLookup({
  onResolved,
}: {
  onResolved: (resourceId: string, template: string, values: Record<string, string>, usesMe: boolean, query: string) => void;
}) {
  const [text, setText] = useState("");
  const [answer, setAnswer] = useState<CatalogCheckResponse | null>(null);
  const [error, setError] = useState<StudioError | null>(null);

  const look = (resource: string) => {
    setError(null);
    const proposal = { resource, changeTypes: [], includeResourceData: false, hasEncryptionCertificate: false, hasLifecycleUrl: false };
    void call("catalog_check", { proposal, granted: [] }).then(
      (response) => {
        const resolved = response.check.resolved;
        if (resolved) {
          setAnswer(null);
          // The query options (`$select=…`) come along: they are part of the resource.
          // A path whose template has its own query (`?$filter={…}`) gets it through its
          // placeholders, so nothing more is kept.
          const at = resource.indexOf("?");
          const query = at < 0 || resolved.template.includes("?") ? "" : resource.slice(at + 1).trim();
          onResolved(resolved.resourceId, resolved.template, Object.fromEntries(resolved.values), resolved.usesMe, query);
        } else {
          setAnswer(response);
        }
      },
      (e: unknown) => {
        setError(e as StudioError);
      },
    );
  };

  const problem = answer?.check.problems[0];
  return (
    <div className="lookup">
      <form
        className="lookup-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim() !== "") look(text);
        }}
      >
        <input
          className="input mono lookup-input"
          data-testid="resource-lookup"
          aria-label="Check a resource string"
          placeholder="Paste a resource, e.g. /me/mailFolders('inbox')/messages"
          value={text}
          maxLength={4096}
          onChange={(e) => {
            setText(e.target.value);
            setAnswer(null);
          }}
        />
        <Button type="submit" disabled={text.trim() === ""}>
          Check
        </Button>
      </form>
      {error ? <p className="field-error">{error.message}</p> : null}
      {problem ? (
        <div className="lookup-answer" data-testid="lookup-answer" role="status">
          <span>
            <Prose text={problem.message} />
          </span>
          {answer.check.nearest.length > 0 ? (
            <span className="lookup-nearest">
              Nearest:
              {answer.check.nearest.map((template) => (
                <button key={template} type="button" className="link-button mono" onClick={() => { look(template); }}>
                  {template}
                </button>
              ))}
            </span>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
