// Certificates for rich notifications: made here, private keys in the system keyring. The newest
// is used for new subscriptions; older ones stay until no subscription uses them.
import { useState } from "react";

import { ErrorBanner } from "../../components/Banner";
import { Button } from "../../components/Button";
import { copyText } from "../../components/CopyButton";
import { Segmented } from "../../components/Segmented";
import { Badge } from "../../components/Badge";
import { When } from "../../components/When";
import { call } from "../../ipc/client";
import { useCertificates, useCommand } from "../../ipc/queries";

export function Certificates() {
  const certificates = useCertificates();
  const create = useCommand("certificate_create");
  const remove = useCommand("certificate_delete");
  const [bits, setBits] = useState<"2048" | "3072" | "4096">("2048");
  const [copied, setCopied] = useState<string | null>(null);
  const list = certificates.data ?? [];
  return (
    <div className="form-stack" data-testid="certificates">
      {list.length === 0 && certificates.isSuccess ? (
        <p className="panel-description">None yet. One is made for you when you create a subscription with resource data, or make one now.</p>
      ) : null}
      {list.length > 0 ? (
        <table className="subscription-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Key</th>
              <th>Expires</th>
              <th>Used by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id} data-testid="certificate-row">
                <td className="mono" title={`SHA-256 ${c.thumbprint}`}>
                  {c.id} {c.current ? <Badge tone="accent">current</Badge> : <Badge>retired</Badge>}
                </td>
                <td>RSA {c.bits}</td>
                <td className="nowrap">
                  <When at={c.notAfter} style="date" />
                </td>
                <td>{c.usedBy === 1 ? "1 subscription" : `${String(c.usedBy)} subscriptions`}</td>
                <td>
                  <div className="row-actions">
                    <Button
                      variant="ghost"
                      onClick={() => {
                        void call("certificate_export", { id: c.id, pem: true })
                          .then((pem) => copyText(pem))
                          .then((ok) => { setCopied(ok ? c.id : null); });
                      }}
                    >
                      {copied === c.id ? "Copied" : "Copy PEM"}
                    </Button>
                    <Button variant="ghost" disabled={c.usedBy > 0 || remove.isPending} title={c.usedBy > 0 ? "Subscriptions still use it" : "Delete it and its private key"} onClick={() => { remove.mutate({ id: c.id }); }}>
                      Delete
                    </Button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="form-actions">
        <Segmented id="cert-bits" value={bits} options={[{ value: "2048", label: "RSA 2048" }, { value: "3072", label: "3072" }, { value: "4096", label: "4096" }]} onChange={setBits} />
        <Button data-testid="certificate-create" disabled={create.isPending} onClick={() => { create.mutate({ bits: Number(bits) }); }}>
          {create.isPending ? "Making…" : list.length > 0 ? "Rotate: make a new one" : "Make a certificate"}
        </Button>
      </div>
      {create.error ? <ErrorBanner error={create.error} title="No certificate was made" /> : null}
      {remove.error ? <ErrorBanner error={remove.error} title="Not deleted" /> : null}
    </div>
  );
}
