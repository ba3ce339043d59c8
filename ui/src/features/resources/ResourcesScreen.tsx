import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";

export function ResourcesScreen() {
  return (
    <div className="screen">
      <PageHeader
        title="Resources"
        subtitle="Everything in Microsoft Graph you can subscribe to, and what it takes."
      />
      <Panel>
        <EmptyState icon="resources" title="The resource catalog is not in this build yet" testId="resources-empty">
          <p>
            This screen will list every subscribable Graph resource with its paths, change types, maximum
            subscription length and the permissions each account kind needs.
          </p>
          <FeatureList
            items={[
              { title: "Search and filter", text: "By workload, account kind, rich data and API version." },
              { title: "Permission hints", text: "Least-privileged first, checked against your token." },
              { title: "Request preview", text: "The exact POST /subscriptions body, ready to copy." },
            ]}
          />
        </EmptyState>
      </Panel>
    </div>
  );
}
