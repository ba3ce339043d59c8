// The screens, their order, icons and keyboard shortcuts (Ctrl/⌘ + 1…6, in the order shown).
import { useCallback, useEffect, useState } from "react";

import type { IconName } from "../components/Icon";

export const screens = [
  { id: "resources", label: "Resources", icon: "resources", shortcut: "1" },
  { id: "subscriptions", label: "Subscriptions", icon: "subscriptions", shortcut: "2" },
  { id: "inspector", label: "Inspector", icon: "inspector", shortcut: "3" },
  { id: "conform", label: "Test endpoint", icon: "monitor", shortcut: "4" },
  { id: "accounts", label: "Accounts", icon: "accounts", shortcut: "5" },
  { id: "settings", label: "Settings", icon: "settings", shortcut: "6" },
] as const satisfies readonly { id: string; label: string; icon: IconName; shortcut: string }[];

export type ScreenId = (typeof screens)[number]["id"];

function screenFromHash(hash: string): ScreenId {
  const id = hash.replace(/^#\/?/, "");
  return screens.find((screen) => screen.id === id)?.id ?? "resources";
}

/** The current screen, kept in the URL hash so a reload stays where the user was. */
export function useScreen(): [ScreenId, (id: ScreenId) => void] {
  const [screen, setScreen] = useState<ScreenId>(() => screenFromHash(window.location.hash));

  useEffect(() => {
    const onHash = () => {
      setScreen(screenFromHash(window.location.hash));
    };
    window.addEventListener("hashchange", onHash);
    return () => {
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  const navigate = useCallback((id: ScreenId) => {
    window.location.hash = `/${id}`;
    setScreen(id);
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const target = screens.find((item) => item.shortcut === event.key);
      if (target) {
        event.preventDefault();
        navigate(target.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [navigate]);

  return [screen, navigate];
}
