//! `webhook-studio cert …`: certificates for rich notifications (create, list, export, delete).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output is its interface"
)]

use std::process::ExitCode;

use clap::Subcommand;
use studio_core::certificates::{CertificateExport, CertificateRequest};
use studio_core::commands::certificates::CertificateRef;
use studio_core::{CoreError, Studio};

/// `cert` subcommands.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Make a certificate; new rich subscriptions use it (the previous one is retired).
    Create {
        /// RSA key size: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: u32,
    },
    /// List the certificates.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a certificate (base64 DER, what `encryptionCertificate` carries).
    Export {
        /// The certificate's id.
        id: String,
        /// PEM instead.
        #[arg(long)]
        pem: bool,
    },
    /// Delete a certificate (refused while a subscription uses it).
    Delete {
        /// The certificate's id.
        id: String,
    },
}

/// Runs `cert …`.
pub async fn cert(studio: &Studio, command: &CertCommand) -> Result<ExitCode, CoreError> {
    match command {
        CertCommand::Create { bits } => {
            let made = studio
                .certificate_create(CertificateRequest { bits: Some(*bits) })
                .await?;
            println!(
                "{}  RSA {}  expires {}  sha256 {}",
                made.id, made.bits, made.not_after, made.thumbprint
            );
        }
        CertCommand::List { json } => {
            let all = studio.certificates_list(()).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else if all.is_empty() {
                println!(
                    "No certificates yet. Make one with `webhook-studio cert create`, or create a rich subscription."
                );
            } else {
                for c in all {
                    let state = if c.current { "current" } else { "retired" };
                    println!(
                        "{}  RSA {}  {state}  used by {}  expires {}",
                        c.id, c.bits, c.used_by, c.not_after
                    );
                }
            }
        }
        CertCommand::Export { id, pem } => {
            let text = studio
                .certificate_export(CertificateExport {
                    id: id.clone(),
                    pem: *pem,
                })
                .await?;
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
        CertCommand::Delete { id } => {
            studio
                .certificate_delete(CertificateRef { id: id.clone() })
                .await?;
            eprintln!("Deleted {id} and its private key.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
