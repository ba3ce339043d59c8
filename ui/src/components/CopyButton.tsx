// Copying to the clipboard, written once: the async clipboard API with the old selection fallback
// for webviews without it, and a button that says "Copied" for a moment.
import { useState } from "react";

import { Button } from "./Button";

/** Puts `text` on the clipboard; answers whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only fallback there is
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export function CopyButton({
  text,
  label = "Copy",
  testId,
  variant = "ghost",
  disabled,
}: {
  text: string | (() => string);
  label?: string;
  testId?: string;
  variant?: "ghost" | "default";
  disabled?: boolean;
}) {
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  return (
    <Button
      variant={variant}
      aria-live="polite"
      data-testid={testId}
      disabled={disabled}
      onClick={() => {
        void copyText(typeof text === "function" ? text() : text).then((ok) => {
          setCopied(ok ? "yes" : "failed");
          window.setTimeout(() => {
            setCopied(null);
          }, 1500);
        });
      }}
    >
      {copied === "yes" ? "Copied" : copied === "failed" ? "Could not copy" : label}
    </Button>
  );
}
