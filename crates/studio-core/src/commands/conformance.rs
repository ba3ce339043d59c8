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

/// Writes a new file readable by its owner only. An existing file (or a link in its place) is
/// never replaced: a key a handler already uses must not be lost, nor written through a link.
fn write_new_private(
    path: &std::path::Path,
    text: &str,
    what: &'static str,
) -> Result<(), CoreError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(path).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    match written {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Err(CoreError::refused(
            format!("{} already exists", path.display()),
        )
        .with_hint("Choose another folder, or move the old certificate and key away first (a handler may be using them).")),
        Err(source) => Err(CoreError::Io {
            action: what,
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Creates the folders that are missing, readable by their owner only; one that exists is left
/// as it is (it may be the user's home or a shared folder).
fn create_missing_dirs(folder: &std::path::Path) -> Result<(), CoreError> {
    if folder.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder).map_err(|source| CoreError::Io {
        action: "create the certificate's folder",
        path: folder.to_path_buf(),
        source,
    })
}

/// Makes a pair and writes it: the key first (refused if either file exists), the certificate
/// after, the key removed again if the certificate cannot be written.
async fn hand_over(
    now: i64,
    certificate_path: std::path::PathBuf,
    key_path: std::path::PathBuf,
) -> Result<ConformCertificateDone, CoreError> {
    for path in [&certificate_path, &key_path] {
        if path.symlink_metadata().is_ok() {
            return Err(CoreError::refused(format!("{} already exists", path.display()))
                .with_hint("Choose another folder, or move the old certificate and key away first (a handler may be using them)."));
        }
    }
    let now = u64::try_from(now).unwrap_or(0);
    let made = tokio::task::spawn_blocking(move || studio_conform::keys::make_pair(now))
        .await
        .map_err(|e| CoreError::internal(e.to_string()))??;
    write_new_private(&key_path, &made.key_pem, "write the test certificate's key")?;
    if let Err(error) = write_new_private(
        &certificate_path,
        &made.certificate_pem,
        "write the test certificate",
    ) {
        let _ = std::fs::remove_file(&key_path);
        return Err(error);
    }
    tracing::info!(certificate = %certificate_path.display(), "test certificate handed over");
    Ok(ConformCertificateDone::Written {
        certificate_path: certificate_path.display().to_string(),
        key_path: key_path.display().to_string(),
        thumbprint: made.thumbprint,
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
    /// hands them over as files where the user picks in the save dialog (the key goes beside the
    /// certificate; the key is the user's to keep: it is in no store of ours). The window names
    /// no path itself.
    pub async fn conform_certificate(&self, (): ()) -> Result<ConformCertificateDone, CoreError> {
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
        hand_over(self.clock().now_unix(), chosen, key).await
    }

    /// The command line's twin of `conform_certificate`: `conform-certificate.pem` and
    /// `conform-key.pem` in `folder` (created if missing; an existing one is left as it is).
    pub async fn conform_certificate_in(
        &self,
        folder: &std::path::Path,
    ) -> Result<ConformCertificateDone, CoreError> {
        if folder.as_os_str().is_empty() {
            return Err(
                CoreError::refused("no folder was given for the certificate")
                    .with_hint("Give a folder: --make-certificate DIR."),
            );
        }
        create_missing_dirs(folder)?;
        hand_over(
            self.clock().now_unix(),
            folder.join("conform-certificate.pem"),
            folder.join("conform-key.pem"),
        )
        .await
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
