import type { ReactNode } from "react";


import { Button } from "./Button";
import { Icon } from "./Icon";
import { Prose } from "./Prose";

/** A message that stays until dismissed: a warning or a backend error with its hint. */
export function Banner({
  tone,
  title,
  children,
  onDismiss,
  testId,
}: {
  tone: "error" | "warning";
  title: string;
  children?: ReactNode;
  onDismiss?: () => void;
  testId?: string;
}) {
  return (
    <div className={`banner banner-${tone}`} role={tone === "error" ? "alert" : "status"} data-testid={testId}>
      <span className="banner-icon">
        <Icon name="alert" />
      </span>
      <div className="banner-text">
        <span className="banner-title">{title}</span>
        {children}
      </div>
      {onDismiss ? (
        <Button variant="ghost" aria-label="Dismiss" onClick={onDismiss}>
          <Icon name="close" size={16} />
        </Button>
      ) : null}
    </div>
  );
}

/** Shows a backend error (thrown, or a problem inside an answer) as people should see it: the
 * sentence, the hint, the code small. */
export function ErrorBanner({
  error,
  title = "Something went wrong",
  onDismiss,
}: {
  error: { message: string; hint: string | null; code?: string | null };
  title?: string;
  onDismiss?: () => void;
}) {
  return (
    <Banner tone="error" title={title} testId="error-banner" {...(onDismiss ? { onDismiss } : {})}>
      <p className="banner-message" data-testid="error-message">
        <Prose text={error.message} />
      </p>
      {error.hint ? (
        <p className="banner-hint" data-testid="error-hint">
          <Prose text={error.hint} />
        </p>
      ) : null}
      {error.code ? <span className="banner-code mono">{error.code}</span> : null}
    </Banner>
  );
}
