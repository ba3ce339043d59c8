import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";

export function SubscriptionsScreen() {
  return (
    <div className="screen">
      <PageHeader title="Subscriptions" subtitle="The change-notification subscriptions of the current account." />
      <Panel>
        <EmptyState icon="subscriptions" title="No account is connected" testId="subscriptions-empty">
          <p>
            Once an account is connected, its subscriptions appear here with their resource, change types, expiry
            countdown and notification URL.
          </p>
          <FeatureList
            items={[
              { title: "Renew and reauthorize", text: "Before Graph removes a subscription." },
              { title: "Automatic renewal", text: "Subscriptions created here are kept alive." },
              { title: "Delete", text: "Clean up what you no longer need." },
            ]}
          />
        </EmptyState>
      </Panel>
    </div>
  );
}
