import type { ReactNode } from "react";

export function Panel({
  title,
  description,
  children,
  testId,
}: {
  title?: string;
  description?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="panel" data-testid={testId}>
      {title ? (
        <header className="panel-header">
          <h2 className="panel-title">{title}</h2>
          {description ? <p className="panel-description">{description}</p> : null}
        </header>
      ) : null}
      <div className="panel-body">{children}</div>
    </section>
  );
}
