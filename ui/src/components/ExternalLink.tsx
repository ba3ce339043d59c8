import { useState } from "react";

import { call, type StudioError } from "../ipc/client";

/** A documentation link: the backend opens it in the browser (allowlisted hosts only). */
export function ExternalLink({ url, children }: { url: string; children?: React.ReactNode }) {
  const [error, setError] = useState<StudioError | null>(null);
  return (
    <>
      <button
        type="button"
        className="link-button"
        title={`Open ${url} in your browser`}
        onClick={() => {
          setError(null);
          call("open_link", { url }).catch((e: unknown) => {
            setError(e as StudioError);
          });
        }}
      >
        {children ?? url}
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {" "}
          {error.message} {error.hint}
        </span>
      ) : null}
    </>
  );
}
