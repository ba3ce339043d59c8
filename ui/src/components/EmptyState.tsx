import type { ReactNode } from "react";

import { Icon, type IconName } from "./Icon";

export function EmptyState({
  icon,
  title,
  children,
  testId,
}: {
  icon: IconName;
  title: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className="empty-state" data-testid={testId}>
      <div className="empty-state-icon">
        <Icon name={icon} size={26} />
      </div>
      <h2 className="empty-state-title">{title}</h2>
      {children}
    </div>
  );
}

export function FeatureList({ items }: { items: { title: string; text: string }[] }) {
  return (
    <div className="feature-list">
      {items.map((item) => (
        <div className="feature" key={item.title}>
          <strong>{item.title}</strong>
          {item.text}
        </div>
      ))}
    </div>
  );
}
