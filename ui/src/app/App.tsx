import { type QueryKey, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { Banner } from "../components/Banner";
import { Button } from "../components/Button";
import { Icon } from "../components/Icon";
import { AccountsScreen } from "../features/accounts/AccountsScreen";
import { ConformScreen } from "../features/conform/ConformScreen";
import { InspectorScreen } from "../features/inspector/InspectorScreen";
import { ResourcesScreen } from "../features/resources/ResourcesScreen";
import { SettingsScreen } from "../features/settings/SettingsScreen";
import { SubscriptionsScreen } from "../features/subscriptions/SubscriptionsScreen";
import type { CoreEvent } from "../ipc/bindings";
import { onCoreEvent } from "../ipc/client";
import { refetchAtMostEvery, staleAfterEvent, throttled } from "../ipc/invalidation";
import { queryKeys, useAnnouncedUpdate, useAppInfo, useSettings, useUpdateSettings } from "../ipc/queries";
import { ErrorBoundary } from "./ErrorBoundary";
import { type ScreenId, screens, useScreen } from "./navigation";
import { StatusBar } from "./StatusBar";
import { nextThemePreference, useAppliedTheme } from "./theme";

const screenComponents: Record<ScreenId, () => React.JSX.Element> = {
  resources: ResourcesScreen,
  subscriptions: SubscriptionsScreen,
  inspector: InspectorScreen,
  conform: ConformScreen,
  accounts: AccountsScreen,
  settings: SettingsScreen,
};

const themeLabels = { system: "System theme", light: "Light theme", dark: "Dark theme" } as const;
const themeIcons = { system: "monitor", light: "sun", dark: "moon" } as const;

/** Keeps cached data in step with what the backend announces (ipc/invalidation.ts says what). */
function useCoreEvents() {
  const client = useQueryClient();
  useEffect(() => {
    let unlisten: (() => void) | undefined;
    let cancelled = false;
    const throttles = new Map<string, ReturnType<typeof throttled>>();
    const invalidate = (key: QueryKey, event: CoreEvent) => {
      const id = JSON.stringify(key);
      const every = event.type === "itemsChecked" ? refetchAtMostEvery.get(id) : undefined;
      if (every === undefined) {
        void client.invalidateQueries({ queryKey: key });
        return;
      }
      let throttle = throttles.get(id);
      if (!throttle) {
        // A slow read is not cancelled by the next one: it would never finish in a burst.
        throttle = throttled(every, () => void client.invalidateQueries({ queryKey: key }, { cancelRefetch: false }));
        throttles.set(id, throttle);
      }
      throttle.call();
    };
    void onCoreEvent((event) => {
      if (event.type === "settingsChanged") client.setQueryData(queryKeys.settings, event.settings);
      if (event.type === "statusChanged") client.setQueryData(queryKeys.status, event.status);
      if (event.type === "updateAvailable") client.setQueryData(queryKeys.updateOffer, event.offer);
      // Refetch from a task of its own: in WebKitGTK an IPC call started inside the event's
      // callback never reached the backend (seen in the E2E suite: the list kept a notification
      // as "items not read yet" although `itemsChecked` had arrived).
      const stale = staleAfterEvent(event);
      window.setTimeout(() => {
        for (const key of stale) invalidate(key, event);
      }, 0);
    }).then((stop) => {
      if (cancelled) stop();
      else unlisten = stop;
    });
    return () => {
      cancelled = true;
      for (const throttle of throttles.values()) throttle.cancel();
      unlisten?.();
    };
  }, [client]);
}

export function App() {
  const [screen, navigate] = useScreen();
  const settings = useSettings();
  const info = useAppInfo();
  const updateSettings = useUpdateSettings();
  const preference = settings.data?.theme ?? "system";
  const resolved = useAppliedTheme(preference);
  const [problemDismissed, setProblemDismissed] = useState(false);
  const updateOffer = useAnnouncedUpdate();
  useCoreEvents();

  // Tells the E2E harness that every listener above is attached.
  useEffect(() => {
    document.documentElement.dataset.appReady = "true";
  }, []);

  const Screen = screenComponents[screen];
  const settingsProblem = info.data?.settingsProblem;

  return (
    <div className="app-frame">
      <aside className="sidebar">
        <div className="brand">
          <img src="/app-icon.png" alt="" />
          <div>
            <div className="brand-name">Graph Webhook Studio</div>
            <div className="brand-sub">Microsoft Graph change notifications</div>
          </div>
        </div>
        <nav className="nav" aria-label="Main">
          {screens.map((item) => (
            <button
              key={item.id}
              type="button"
              className="nav-item"
              data-testid={`nav-${item.id}`}
              aria-current={item.id === screen ? "page" : undefined}
              onClick={() => {
                navigate(item.id);
              }}
            >
              <Icon name={item.icon} />
              {item.label}
              <span className="nav-shortcut">Ctrl {item.shortcut}</span>
            </button>
          ))}
        </nav>
        <div className="sidebar-footer">
          {updateOffer.data ? (
            <Button
              variant="ghost"
              data-testid="update-available"
              title={`Version ${updateOffer.data.version} is available: read its notes and install it in Settings`}
              onClick={() => {
                navigate("settings");
              }}
            >
              <Icon name="download" />
              Update to {updateOffer.data.version}
            </Button>
          ) : null}
          <Button
            variant="ghost"
            data-testid="theme-toggle"
            data-resolved-theme={resolved}
            title="Switch between the system, light and dark themes"
            disabled={!settings.data}
            onClick={() => {
              updateSettings.mutate({ theme: nextThemePreference(preference) });
            }}
          >
            <Icon name={themeIcons[preference]} />
            {themeLabels[preference]}
          </Button>
        </div>
      </aside>
      <main className="main" data-testid={`screen-${screen}`}>
        {settingsProblem && !problemDismissed ? (
          <div className="screen screen-banner">
            <Banner
              tone="warning"
              title="Your settings file could not be used"
              testId="settings-problem"
              onDismiss={() => {
                setProblemDismissed(true);
              }}
            >
              <p className="banner-message">{settingsProblem.message}</p>
            </Banner>
          </div>
        ) : null}
        <ErrorBoundary resetKey={screen}>
          <Screen />
        </ErrorBoundary>
      </main>
      <StatusBar />
    </div>
  );
}
