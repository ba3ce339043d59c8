//! Test an endpoint: the conformance suite (`studio-conform`) run against the user's own webhook
//! handler, and the history of its reports.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::CoreError;
use crate::studio::Studio;

/// A finished run: its id in the history and its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConformRun {
    /// Its id in the history.
    #[ts(type = "number")]
    pub id: i64,
    /// What the suite found.
    pub report: studio_conform::Report,
}

/// One run in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConformRunLine {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// Unix seconds.
    #[ts(type = "number")]
    pub started_at: i64,
    /// The URL tested.
    pub url: String,
    /// Its worst grade.
    pub outcome: studio_conform::Status,
}

/// Names a run in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConformRunRef {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
}

/// `conform_certificate`: where to put a test certificate and its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConformCertificateRequest {
    /// A folder to write `conform-certificate.pem` and `conform-key.pem` into (the CLI); without
    /// one, the system's save dialog asks where the certificate goes (the key goes beside it).
    #[serde(default)]
    pub folder: Option<String>,
}

/// `conform_certificate`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "state",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ConformCertificateDone {
    /// Both files are written (the key readable by its owner only).
    Written {
        /// The certificate (PEM): give it to this suite.
        certificate_path: String,
        /// Its private key (PKCS#8 PEM): give it to your handler (and to this suite).
        key_path: String,
        /// SHA-1 thumbprint, hex, as `encryptionCertificateThumbprint` will say.
        thumbprint: String,
    },
    /// The user closed the save dialog: nothing was written.
    Cancelled,
}

/// The key's file beside a certificate's: `x.pem` → `x-key.pem`.
fn key_beside(certificate: &std::path::Path) -> std::path::PathBuf {
    let stem = certificate
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "conform-certificate".into());
    certificate.with_file_name(format!("{stem}-key.pem"))
}

fn write_private(path: &std::path::Path, text: &str) -> Result<(), CoreError> {
    use std::io::Write;
    crate::paths::create_private_file(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|source| CoreError::Io {
            action: "write the test certificate",
            path: path.to_path_buf(),
            source,
        })
}

fn outcome_name(status: studio_conform::Status) -> &'static str {
    match status {
        studio_conform::Status::Pass => "pass",
        studio_conform::Status::Warn => "warn",
        studio_conform::Status::Fail => "fail",
        studio_conform::Status::Skipped => "skipped",
    }
}

fn outcome_of(name: &str) -> studio_conform::Status {
    match name {
        "pass" => studio_conform::Status::Pass,
        "warn" => studio_conform::Status::Warn,
        "skipped" => studio_conform::Status::Skipped,
        _ => studio_conform::Status::Fail,
    }
}

impl Studio {
    /// `conform_run`: drives the handler with what the sandbox sends, grades it, keeps the report.
    pub async fn conform_run(
        &self,
        request: studio_conform::Request,
    ) -> Result<ConformRun, CoreError> {
        let now = self.clock().now_unix();
        tracing::info!(url = %studio_conform::report::shown_url(&request.url), "conformance run");
        let report = studio_conform::run(&request, now).await?;
        let id = self.store().record_conformance(
            report.started_at,
            &report.url,
            outcome_name(report.outcome),
            &report,
        )?;
        Ok(ConformRun { id, report })
    }

    /// `conform_certificate`: makes a certificate and key for testing a handler's decryption and
    /// hands them over as files (the key is the user's to keep: it is in no store of ours).
    pub async fn conform_certificate(
        &self,
        request: ConformCertificateRequest,
    ) -> Result<ConformCertificateDone, CoreError> {
        let (certificate_path, key_path) = match request.folder.as_deref().map(str::trim) {
            Some(folder) if !folder.is_empty() => {
                let folder = std::path::PathBuf::from(folder);
                crate::paths::create_private_dir(&folder).map_err(|source| CoreError::Io {
                    action: "create the certificate's folder",
                    path: folder.clone(),
                    source,
                })?;
                (
                    folder.join("conform-certificate.pem"),
                    folder.join("conform-key.pem"),
                )
            }
            _ => {
                let kind = crate::save_dialog::FileKind {
                    name: "PEM certificate",
                    extension: "pem",
                };
                let Some(chosen) = self
                    .save_dialog()
                    .ask(
                        "Save the test certificate (its key goes beside it)",
                        "conform-certificate.pem",
                        &kind,
                    )
                    .await?
                else {
                    return Ok(ConformCertificateDone::Cancelled);
                };
                let key = key_beside(&chosen);
                (chosen, key)
            }
        };
        let now = u64::try_from(self.clock().now_unix()).unwrap_or(0);
        let made = tokio::task::spawn_blocking(move || studio_conform::keys::make_pair(now))
            .await
            .map_err(|e| CoreError::internal(e.to_string()))??;
        write_private(&key_path, &made.key_pem)?;
        write_private(&certificate_path, &made.certificate_pem)?;
        tracing::info!(certificate = %certificate_path.display(), "test certificate handed over");
        Ok(ConformCertificateDone::Written {
            certificate_path: certificate_path.display().to_string(),
            key_path: key_path.display().to_string(),
            thumbprint: made.thumbprint,
        })
    }

    /// `conform_history`: the kept runs, newest first.
    pub async fn conform_history(&self, (): ()) -> Result<Vec<ConformRunLine>, CoreError> {
        Ok(self
            .store()
            .conformance_runs()?
            .into_iter()
            .map(|run| ConformRunLine {
                id: run.id,
                started_at: run.started_at,
                url: run.url,
                outcome: outcome_of(&run.outcome),
            })
            .collect())
    }

    /// `conform_report`: one kept run.
    pub async fn conform_report(&self, request: ConformRunRef) -> Result<ConformRun, CoreError> {
        match self.store().conformance_report(request.id)? {
            Some(report) => Ok(ConformRun {
                id: request.id,
                report,
            }),
            None => Err(
                CoreError::not_found(format!("no conformance run {}", request.id))
                    .with_hint("It was dropped from the history (the newest 50 are kept)."),
            ),
        }
    }
}
