import { EmptyState, FeatureList } from "../../components/EmptyState";
import { PageHeader } from "../../components/PageHeader";
import { Panel } from "../../components/Panel";

export function AccountsScreen() {
  return (
    <div className="screen">
      <PageHeader title="Accounts" subtitle="The identities the app calls Microsoft Graph with." />
      <Panel>
        <EmptyState icon="accounts" title="No accounts yet" testId="accounts-empty">
          <p>Connect the offline sandbox tenant, a Microsoft work, school or personal account, or an app registration.</p>
          <FeatureList
            items={[
              { title: "Sandbox tenant", text: "An offline emulator of identity and Graph." },
              { title: "Delegated", text: "Sign in in your browser, or with a device code." },
              { title: "Application", text: "Client secret or certificate, for app-only resources." },
            ]}
          />
        </EmptyState>
      </Panel>
    </div>
  );
}
