//! `webhook-studio conform URL`: the conformance suite against the user's own webhook handler,
//! as the window's "Test an endpoint" runs it. Prints each check (or the report as JSON), writes
//! JUnit XML for CI with `--junit`, and exits 0 only when no check fails.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use studio_conform::{Report, Status};
use studio_core::{CoreError, Studio};

/// `conform` arguments.
#[derive(Debug, Args)]
pub struct ConformArgs {
    /// The handler's notification URL (http on this machine, https anywhere).
    #[arg(required_unless_present = "make_certificate")]
    pub url: Option<String>,
    /// Only make a certificate and its key for your handler (conform-certificate.pem and
    /// conform-key.pem in DIR), then run with --certificate and --key.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["url", "certificate", "key", "junit"])]
    pub make_certificate: Option<PathBuf>,
    /// The handler's lifecycle notification URL.
    #[arg(long, value_name = "URL")]
    pub lifecycle_url: Option<String>,
    /// A PEM certificate to encrypt rich notifications to (one is made for the run otherwise).
    #[arg(long, value_name = "PEM", requires = "key")]
    pub certificate: Option<PathBuf>,
    /// The certificate's private key (PEM): read to check the pair, never kept.
    #[arg(long, value_name = "PEM", requires = "certificate")]
    pub key: Option<PathBuf>,
    /// The clientState your handler expects.
    #[arg(long, value_name = "S")]
    pub client_state: Option<String>,
    /// Your app's id: the audience of the validation tokens (the sandbox app's otherwise).
    #[arg(long, value_name = "ID")]
    pub app_id: Option<String>,
    /// How many notifications the burst sends, 16 at a time (0 skips it; at most 10,000).
    #[arg(long, value_name = "N", default_value_t = studio_conform::DEFAULT_BURST,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(studio_conform::MAX_BURST)))]
    pub burst: u32,
    /// The sandbox's port during the run, so your handler can be pointed at its signing keys
    /// (`http://127.0.0.1:PORT/common/discovery/v2.0/keys`) ahead of time.
    #[arg(long, value_name = "PORT")]
    pub sandbox_port: Option<u16>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the report as JUnit XML to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Skipped => "SKIP",
    }
}

/// The report as text: one block per check, the sandbox's facts, the totals.
pub fn render(report: &Report) -> String {
    let mut out = format!("Conformance of {}\n", report.url);
    if let Some(lifecycle) = &report.lifecycle_url {
        out.push_str(&format!("  lifecycle URL {lifecycle}\n"));
    }
    out.push('\n');
    for check in &report.checks {
        out.push_str(&format!(
            "{}  {:<34} {}\n",
            label(check.status),
            check.id.name(),
            check.title
        ));
        out.push_str(&format!("      {}\n", check.detail));
        if let Some(fix) = &check.fix {
            let prefix = if check.status == Status::Pass {
                "look"
            } else {
                "fix"
            };
            out.push_str(&format!("      {prefix}: {fix}\n"));
        }
        if check.status == Status::Fail {
            if !check.rule.is_empty() {
                out.push_str(&format!("      rule: {}\n", check.rule));
            }
            // What came back, when it says more than the status (the JSON has every exchange).
            if let Some(answer) = check
                .exchanges
                .iter()
                .find_map(|e| e.body_excerpt.as_deref())
            {
                out.push_str(&format!("      answer: {answer}\n"));
            }
        }
    }
    let s = &report.sandbox;
    out.push_str(&format!(
        "\nValidation tokens came from the sandbox: issuer {}, audience {}, keys at {} (only while the run lasted).\n",
        s.issuer, s.app_id, s.jwks_uri
    ));
    if s.client_state_made_up {
        out.push_str(&format!(
            "Notifications carried clientState {} (made up for this run): pass --client-state with the one your handler expects.\n",
            s.client_state
        ));
    } else {
        out.push_str(&format!(
            "Notifications carried clientState {}.\n",
            s.client_state
        ));
    }
    if !s.certificate_is_users {
        out.push_str("Rich notifications were encrypted to a certificate made for this run (its key is gone): pass --certificate and --key to use yours.\n");
    }
    let warnings = report.count(Status::Warn);
    out.push_str(&format!(
        "\n{} passed, {warnings} {}, {} failed, {} skipped in {:.1} s\n",
        report.count(Status::Pass),
        if warnings == 1 { "warning" } else { "warnings" },
        report.count(Status::Fail),
        report.count(Status::Skipped),
        report.duration_ms as f64 / 1000.0
    ));
    out
}

/// Runs `conform`.
#[allow(clippy::print_stderr, reason = "progress goes to stderr")]
pub async fn run(studio: &Studio, args: &ConformArgs) -> Result<ExitCode, CoreError> {
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    if let Some(folder) = &args.make_certificate {
        return make_certificate(studio, folder, args.json).await;
    }
    let url = args.url.clone().unwrap_or_default();
    let request = studio_conform::Request {
        url: url.clone(),
        lifecycle_url: args.lifecycle_url.clone(),
        client_state: args.client_state.clone(),
        certificate_path: path(&args.certificate),
        key_path: path(&args.key),
        app_id: args.app_id.clone(),
        burst: Some(args.burst),
        sandbox_port: args.sandbox_port,
    };
    // The JUnit file must be writable before a run that may take a minute.
    if let Some(file) = &args.junit
        && let Err(source) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(file)
    {
        crate::fail(&studio_core::IpcError::from(CoreError::Io {
            action: "create the JUnit report (its folder must exist)",
            path: file.clone(),
            source,
        }));
        return Ok(ExitCode::from(2));
    }
    if !args.json {
        eprintln!(
            "Testing {} with what the sandbox sends…",
            studio_conform::report::shown_url(&url)
        );
    }
    let run = match studio.conform_run(request).await {
        Ok(run) => run,
        Err(error) => {
            crate::fail(&studio_core::IpcError::from(error));
            return Ok(ExitCode::from(2));
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&run).unwrap_or_default());
    } else {
        print!("{}", render(&run.report));
    }
    if let Some(file) = &args.junit {
        let written = studio_conform::junit::to_junit(&run.report)
            .map_err(|e| CoreError::internal(format!("JUnit XML: {e}")))
            .and_then(|xml| {
                std::fs::write(file, xml).map_err(|source| CoreError::Io {
                    action: "write the JUnit report",
                    path: file.clone(),
                    source,
                })
            });
        if let Err(error) = written {
            crate::fail(&studio_core::IpcError::from(error));
            return Ok(ExitCode::from(2));
        }
    }
    Ok(if run.report.outcome == Status::Fail {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `conform --make-certificate DIR`: the pair written, and what to do with it.
async fn make_certificate(
    studio: &Studio,
    folder: &std::path::Path,
    json: bool,
) -> Result<ExitCode, CoreError> {
    use studio_core::commands::conformance::ConformCertificateDone;
    let done = match studio.conform_certificate_in(folder).await {
        Ok(done) => done,
        Err(error) => {
            crate::fail(&studio_core::IpcError::from(error));
            return Ok(ExitCode::from(2));
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&done).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let ConformCertificateDone::Written {
        certificate_path,
        key_path,
        thumbprint,
    } = done
    {
        println!("certificate: {certificate_path}");
        println!("private key: {key_path}  (readable by you only; give it to your handler)");
        println!("thumbprint:  {thumbprint}");
        println!(
            "then: webhook-studio conform URL --certificate {certificate_path} --key {key_path}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
