// The whole loop in four steps, above the first screen until the user closes it (remembered in
// this window's storage: a hint, not a setting).
import { useState } from "react";

const KEY = "quickStartClosed";
const steps = [
  ["Pick", "a resource (Outlook messages is ready)"],
  ["Create", "the subscription (bottom bar)"],
  ["Trigger", "a change from its result"],
  ["Inspect", "the notification, verified"],
] as const;

export function QuickStart() {
  const [closed, setClosed] = useState(() => window.localStorage.getItem(KEY) === "1");
  if (closed) return null;
  return (
    <section className="quick-start" data-testid="quick-start" aria-label="Quick start">
      <ol>
        {steps.map(([verb, rest], i) => (
          <li key={verb}>
            <span className="quick-start-number">{i + 1}</span>
            <span>
              <strong>{verb}</strong> {rest}
            </span>
          </li>
        ))}
      </ol>
      <button
        type="button"
        className="quick-start-close"
        aria-label="Close the quick start"
        title="Close the quick start"
        onClick={() => {
          window.localStorage.setItem(KEY, "1");
          setClosed(true);
        }}
      >
        ×
      </button>
    </section>
  );
}
