import type { ReactNode } from "react";

/** A small label beside a name: a workload, "rich", "beta", "current", an account kind. */
export function Badge({
  tone = "neutral",
  title,
  testId,
  children,
}: {
  tone?: "neutral" | "accent" | "warn";
  title?: string;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <span className={tone === "neutral" ? "badge" : `badge badge-${tone}`} title={title} data-testid={testId}>
      {children}
    </span>
  );
}
