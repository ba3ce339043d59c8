//! The report as JUnit XML, for CI systems: one test suite per run, one test case per check;
//! a fail is a `failure`, a warning passes with its detail in `system-out`, a skip is `skipped`.

use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::report::{Report, Status};

/// The XML text of `report`.
pub fn to_junit(report: &Report) -> Result<String, quick_junit::SerializeError> {
    let mut suite = TestSuite::new(format!("webhook-studio conform {}", report.url));
    for check in &report.checks {
        let said = match &check.fix {
            Some(fix) => format!("{}\nFix: {fix}\nRule: {}", check.detail, check.rule),
            None => format!("{}\nRule: {}", check.detail, check.rule),
        };
        let status = match check.status {
            Status::Pass | Status::Warn => TestCaseStatus::success(),
            Status::Fail => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(check.detail.clone());
                status.set_description(said.clone());
                status
            }
            Status::Skipped => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(check.detail.clone());
                status
            }
        };
        let mut case = TestCase::new(check.id.name(), status);
        case.set_classname(format!(
            "conform.{}",
            check.id.name().split('.').next().unwrap_or("check")
        ));
        let millis: u64 = check.exchanges.iter().map(|e| e.latency_ms).sum();
        case.set_time(Duration::from_millis(millis));
        if check.status == Status::Warn {
            case.set_system_out(format!("WARNING: {said}"));
        }
        suite.add_test_case(case);
    }
    let mut junit = quick_junit::Report::new("webhook-studio conform");
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit.add_test_suite(suite);
    junit.to_string()
}
