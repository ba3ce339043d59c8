import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";

export function InspectorScreen() {
  return (
    <div className="screen">
      <PageHeader title="Inspector" subtitle="Every request that reached your receiver, verified and decrypted." />
      <Panel>
        <EmptyState icon="inspector" title="Nothing received yet" testId="inspector-empty">
          <p>
            Notifications, validation handshakes and unexpected requests appear here as they arrive, stored before
            they are acknowledged.
          </p>
          <FeatureList
            items={[
              { title: "Verify", text: "clientState and validation tokens checked for every item." },
              { title: "Decrypt", text: "Rich notifications opened with your certificate." },
              { title: "Replay", text: "Send any stored request to any URL again." },
            ]}
          />
        </EmptyState>
      </Panel>
    </div>
  );
}
