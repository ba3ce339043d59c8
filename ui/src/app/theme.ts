// Resolves the theme preference (system, light, dark) to what the page shows, following the OS
// live when the preference is "system".
import { useEffect, useState } from "react";

import type { ThemePreference } from "../ipc/bindings";

export type ResolvedTheme = "light" | "dark";

const darkQuery = "(prefers-color-scheme: dark)";

function systemTheme(): ResolvedTheme {
  return window.matchMedia(darkQuery).matches ? "dark" : "light";
}

export function resolveTheme(preference: ThemePreference, system: ResolvedTheme): ResolvedTheme {
  return preference === "system" ? system : preference;
}

/** Applies the theme to <html data-theme> and returns it. */
export function useAppliedTheme(preference: ThemePreference): ResolvedTheme {
  const [system, setSystem] = useState<ResolvedTheme>(systemTheme);

  useEffect(() => {
    const media = window.matchMedia(darkQuery);
    const onChange = () => {
      setSystem(systemTheme());
    };
    media.addEventListener("change", onChange);
    return () => {
      media.removeEventListener("change", onChange);
    };
  }, []);

  const resolved = resolveTheme(preference, system);
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
    document.documentElement.dataset.themePreference = preference;
  }, [resolved, preference]);
  return resolved;
}

/** The order the sidebar's theme button steps through. */
export function nextThemePreference(current: ThemePreference): ThemePreference {
  const order: ThemePreference[] = ["system", "light", "dark"];
  return order[(order.indexOf(current) + 1) % order.length] ?? "system";
}
