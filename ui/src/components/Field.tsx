import type { ReactNode } from "react";

/** A labelled form row: label on the left, control, help and error on the right. */
export function Field({
  id,
  label,
  help,
  error,
  children,
}: {
  id: string;
  label: string;
  help?: ReactNode;
  error?: string | null;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="field-control">
        {children}
        {error ? (
          <span className="field-error" id={`${id}-error`} role="alert">
            {error}
          </span>
        ) : help ? (
          <span className="field-help" id={`${id}-help`}>
            {help}
          </span>
        ) : null}
      </div>
    </div>
  );
}
