// The two "connect your own tenant" forms: a delegated Microsoft account (browser or device code)
// and an app registration (client secret or certificate), each with the app-registration steps
// people need. Secrets typed here go to the backend once and are never shown again.
import { useEffect, useRef, useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { CopyButton } from "../../components/CopyButton";
import { ExternalLink } from "../../components/ExternalLink";
import { Field } from "../../components/Field";
import { Segmented } from "../../components/Segmented";
import type { CloudChoice, DelegatedRequest, DeviceCodeView } from "../../ipc/bindings";
import { useCommand } from "../../ipc/queries";

const clouds: { value: CloudChoice; label: string }[] = [
  { value: "global", label: "Global" },
  { value: "usGovernment", label: "US Government" },
  { value: "china", label: "China" },
  { value: "custom", label: "Custom" },
];

/** The authority and Graph host of a custom cloud. */
function CustomCloud({ prefix, authority, graph, onAuthority, onGraph }: {
  prefix: string;
  authority: string;
  graph: string;
  onAuthority: (value: string) => void;
  onGraph: (value: string) => void;
}) {
  return (
    <>
      <Text id={`${prefix}-authority`} label="Authority host" value={authority} onChange={onAuthority} placeholder="https://login.microsoftonline.com" />
      <Text id={`${prefix}-graph`} label="Graph host" value={graph} onChange={onGraph} placeholder="https://graph.microsoft.com" />
    </>
  );
}

const REGISTER_URL = "https://learn.microsoft.com/entra/identity-platform/quickstart-register-app";

function Text({ id, label, value, onChange, help, placeholder }: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  help?: string;
  placeholder?: string;
}) {
  return (
    <Field id={id} label={label} {...(help ? { help } : {})}>
      <input
        id={id}
        className="input mono"
        value={value}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        onChange={(event) => {
          onChange(event.target.value);
        }}
      />
    </Field>
  );
}

export function DelegatedForm({ onDone }: { onDone: () => void }) {
  const [personal, setPersonal] = useState(false);
  const [tenant, setTenant] = useState("organizations");
  const [clientId, setClientId] = useState("");
  const [cloud, setCloud] = useState<CloudChoice>("global");
  const [authority, setAuthority] = useState("");
  const [graph, setGraph] = useState("");
  const [scopes, setScopes] = useState("Mail.Read");
  const signIn = useCommand("account_sign_in");
  const start = useCommand("account_device_start");
  const [device, setDevice] = useState<DeviceCodeView | null>(null);
  const request: DelegatedRequest = {
    personal,
    tenant: personal && tenant === "organizations" ? "consumers" : tenant,
    clientId,
    cloud,
    ...(cloud === "custom" ? { customAuthority: authority, customGraph: graph } : {}),
    scopes: scopes.split(/[\s,]+/).filter(Boolean),
  };
  const error = signIn.error ?? start.error;

  return (
    <div className="add-form" data-testid="delegated-form">
      <p className="add-guide">
        Register an app in Microsoft Entra (<ExternalLink url={REGISTER_URL}>how</ExternalLink>): add the platform
        “Mobile and desktop applications” with the redirect URI <code>http://localhost</code>; for device codes, turn on
        “Allow public client flows”. Add the delegated permissions you need under API permissions.
      </p>
      <Field id="account-type" label="Account">
        <Segmented
          id="account-type"
          value={personal ? "personal" : "work"}
          options={[
            { value: "work", label: "Work or school" },
            { value: "personal", label: "Personal" },
          ]}
          onChange={(value) => {
            setPersonal(value === "personal");
          }}
        />
      </Field>
      <Text id="delegated-tenant" label="Tenant" value={tenant} onChange={setTenant} help="A tenant id or domain, or organizations, common, consumers." />
      <Text id="delegated-client" label="Application (client) id" value={clientId} onChange={setClientId} placeholder="00000000-0000-0000-0000-000000000000" />
      <Field id="delegated-cloud" label="Cloud">
        <Segmented id="delegated-cloud" value={cloud} options={clouds} onChange={setCloud} />
      </Field>
      {cloud === "custom" ? (
        <CustomCloud prefix="delegated" authority={authority} graph={graph} onAuthority={setAuthority} onGraph={setGraph} />
      ) : null}
      <Text id="delegated-scopes" label="Permissions" value={scopes} onChange={setScopes} help="Separated by spaces; User.Read is always asked for. More can be asked for later." />
      {error ? <ErrorBanner error={error} title="Sign-in did not finish" /> : null}
      {device ? (
        <DeviceCode
          device={device}
          onFinished={() => {
            setDevice(null);
            onDone();
          }}
          onCancelled={() => {
            setDevice(null);
          }}
        />
      ) : (
        <div className="form-actions">
          <Button
            variant="primary"
            disabled={signIn.isPending || !clientId.trim()}
            onClick={() => {
              signIn.mutate(request, { onSuccess: onDone });
            }}
          >
            {signIn.isPending ? "Waiting for the browser…" : "Sign in with the browser"}
          </Button>
          <Button
            disabled={start.isPending || !clientId.trim()}
            onClick={() => {
              start.mutate(request, { onSuccess: setDevice });
            }}
          >
            Use a device code
          </Button>
        </div>
      )}
    </div>
  );
}

function DeviceCode({ device, onFinished, onCancelled }: {
  device: DeviceCodeView;
  onFinished: () => void;
  onCancelled: () => void;
}) {
  const finish = useCommand("account_device_finish");
  const cancel = useCommand("account_device_cancel");
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    finish.mutate({ flowId: device.flowId }, { onSuccess: onFinished });
  }, [device.flowId, finish, onFinished]);
  return (
    <div className="device-code" data-testid="device-code">
      <p>
        Open <ExternalLink url={device.verificationUri}>{device.verificationUri}</ExternalLink> on any device and
        enter:
      </p>
      <p className="device-code-value mono">{device.userCode}</p>
      {finish.error && finish.error.code !== "cancelled" ? <ErrorBanner error={finish.error} title="Sign-in did not finish" /> : null}
      <div className="form-actions">
        <CopyButton variant="default" text={device.userCode} label="Copy the code" />
        <Button
          variant="ghost"
          onClick={() => {
            cancel.mutate({ flowId: device.flowId });
            onCancelled();
          }}
        >
          Cancel
        </Button>
      </div>
    </div>
  );
}

export function AppForm({ onDone }: { onDone: () => void }) {
  const [tenant, setTenant] = useState("");
  const [clientId, setClientId] = useState("");
  const [name, setName] = useState("");
  const [cloud, setCloud] = useState<CloudChoice>("global");
  const [authority, setAuthority] = useState("");
  const [graph, setGraph] = useState("");
  const [proof, setProof] = useState<"secret" | "certificate">("secret");
  const [secret, setSecret] = useState("");
  const [pem, setPem] = useState("");
  const add = useCommand("account_add_app");
  const ready = tenant.trim() && clientId.trim() && (proof === "secret" ? secret : pem.trim());

  return (
    <div className="add-form" data-testid="app-form">
      <p className="add-guide">
        In the app registration, add a client secret or upload a certificate (Certificates &amp; secrets), add the
        application permissions you need, and have an administrator grant admin consent.
      </p>
      <Text id="app-tenant" label="Tenant" value={tenant} onChange={setTenant} help="The tenant id or its domain (not common)." />
      <Text id="app-client" label="Application (client) id" value={clientId} onChange={setClientId} />
      <Text id="app-name" label="Name" value={name} onChange={setName} help="Optional: how the app shows this account." />
      <Field id="app-cloud" label="Cloud">
        <Segmented id="app-cloud" value={cloud} options={clouds} onChange={setCloud} />
      </Field>
      {cloud === "custom" ? (
        <CustomCloud prefix="app" authority={authority} graph={graph} onAuthority={setAuthority} onGraph={setGraph} />
      ) : null}
      <Field id="app-proof" label="Credential">
        <Segmented
          id="app-proof"
          value={proof}
          options={[
            { value: "secret", label: "Client secret" },
            { value: "certificate", label: "Certificate" },
          ]}
          onChange={setProof}
        />
      </Field>
      {proof === "secret" ? (
        <Field id="app-secret" label="Secret value" help="Kept in the system keyring, never shown again.">
          <input id="app-secret" className="input mono" type="password" autoComplete="off" value={secret} onChange={(event) => { setSecret(event.target.value); }} />
        </Field>
      ) : (
        <Field id="app-pem" label="Certificate and key (PEM)" help="The certificate and its unencrypted private key; the key goes to the keyring.">
          <textarea id="app-pem" className="input mono pem" rows={6} spellCheck={false} value={pem} onChange={(event) => { setPem(event.target.value); }} />
        </Field>
      )}
      {add.error ? <ErrorBanner error={add.error} title="The app could not sign in" /> : null}
      <div className="form-actions">
        <Button
          variant="primary"
          disabled={add.isPending || !ready}
          onClick={() => {
            add.mutate(
              {
                tenant,
                clientId,
                cloud,
                ...(cloud === "custom" ? { customAuthority: authority, customGraph: graph } : {}),
                ...(name.trim() ? { name } : {}),
                ...(proof === "secret" ? { clientSecret: secret } : { certificatePem: pem }),
              },
              {
                onSuccess: () => {
                  setSecret("");
                  setPem("");
                  onDone();
                },
              },
            );
          }}
        >
          {add.isPending ? "Signing in…" : "Add the app"}
        </Button>
      </div>
    </div>
  );
}
