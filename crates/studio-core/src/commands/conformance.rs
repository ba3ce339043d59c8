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
