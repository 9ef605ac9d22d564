//! The audit invocation: read-only, answered by the invocation's result (see `crate::audit`).

use super::{invoked_home, App, Failure};
use crate::audit;
use crate::event::{AuditRequest, AUDIT_REGIONS};
use crate::watchdog::{self, Budget};
use lambda_runtime::Context;
use serde_json::Value;

/// Kept for logging and publishing the report after the reading stops.
const REPORT_TIME: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// Runs the audit over the requested Regions. Ends in error only when it could not run at
    /// all (its settings, or the watchdog's backstop: the audit itself stops in time). A Region it could not read is in the result's `Unreadable` and counted by the
    /// metric of that name, not an invocation error: a scheduled audit is an asynchronous
    /// invocation, and an error would be retried twice (more calls into an account that may
    /// be throttling already) and then land in the dead-letter queue, which holds CloudFormation
    /// requests that were never answered.
    pub(super) async fn audit(
        &self,
        request: AuditRequest,
        context: &Context,
    ) -> Result<Value, Failure> {
        let home = invoked_home(context).map_err(Failure::audit_failed)?;
        // Read per invocation: a setting, not start-up work.
        let setting = std::env::var(AUDIT_REGIONS).ok();
        let regions = request
            .regions(setting.as_deref(), &home.region)
            .map_err(Failure::audit_failed)?;
        let budget = Budget::new(context.deadline, None);
        self.destinations.start_request();
        let scope = audit::Scope {
            regions,
            cross_account: self.origin.trusts_other_accounts(),
            progress: None,
            // Room to log and publish the report before the watchdog would stop the work.
            until: Some(budget.work_until - REPORT_TIME),
            enabled_regions: self.enabled_regions.clone(),
        };
        let work = audit::audit(
            self.destinations.clone(),
            self.origin.stacks().clone(),
            home,
            scope,
        );
        let report = match watchdog::guard(work, budget.work_until).await {
            Ok(report) => report,
            Err(watchdog::Interrupted::TimedOut) => {
                return Err(Failure::audit_failed(format!(
                    "Timed out while {} was still running: audit fewer Regions at once \
                     (Audit.Regions) or give the function more time",
                    self.destinations.current_step()
                )))
            }
            Err(watchdog::Interrupted::Panicked(message)) => {
                return Err(Failure::audit_failed(format!(
                    "An internal error occurred: {message}"
                )))
            }
        };
        report.log();
        report.publish_metrics();
        Ok(report.to_json())
    }
}

impl Failure {
    const AUDIT_FAILED: &'static str = "AuditFailed";

    fn audit_failed(message: String) -> Failure {
        Failure::counted(Failure::AUDIT_FAILED, message)
    }
}
