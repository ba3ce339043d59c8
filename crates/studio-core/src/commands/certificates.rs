//! Settings → Certificates: the certificates rich notifications are encrypted for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::certificates::{CertificateExport, CertificateRequest, CertificateView};
use crate::error::CoreError;
use crate::studio::Studio;

/// Names a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertificateRef {
    /// Its id.
    pub id: String,
}

impl Studio {
    /// `certificates_list`
    pub async fn certificates_list(&self, (): ()) -> Result<Vec<CertificateView>, CoreError> {
        self.certificates().list()
    }

    /// `certificate_create`: makes a certificate; it becomes the one new subscriptions use.
    pub async fn certificate_create(
        &self,
        request: CertificateRequest,
    ) -> Result<CertificateView, CoreError> {
        self.certificates()
            .create(request.bits.unwrap_or(2048), self.clock().now_unix())
            .await
    }

    /// `certificate_export`: PEM or base64 DER.
    pub async fn certificate_export(
        &self,
        request: CertificateExport,
    ) -> Result<String, CoreError> {
        self.certificates().export(&request)
    }

    /// `certificate_delete`
    pub async fn certificate_delete(&self, request: CertificateRef) -> Result<(), CoreError> {
        self.certificates().delete(&request.id)
    }
}
