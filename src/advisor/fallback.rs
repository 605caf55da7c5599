//! An advisor that never leaves the channel without an answer: it asks its primary (the LLM
//! advisor) and, when that fails this turn (timeout, rate limit, server error, refusal), answers
//! with the offline advisor instead and says so.

use std::future::Future;

use async_trait::async_trait;
use tracing::warn;

use crate::core::outbound::Report;
use crate::core::ports::{Advisor, AdvisorError, Context, Focus, Narrative, Recommendation};
use crate::telemetry;

/// Primary advisor with an offline fallback.
pub struct WithFallback<P, F> {
    primary: P,
    fallback: F,
}

impl<P: Advisor, F: Advisor> WithFallback<P, F> {
    /// Asks `primary` first, `fallback` when it fails.
    pub fn new(primary: P, fallback: F) -> Self {
        Self { primary, fallback }
    }

    /// The primary's result, or the fallback's marked with why. Futures are lazy: the fallback
    /// does no work unless the primary failed.
    async fn either<T>(
        &self,
        primary: impl Future<Output = Result<T, AdvisorError>>,
        fallback: impl Future<Output = Result<T, AdvisorError>>,
        mark: impl FnOnce(T, String) -> T,
    ) -> Result<T, AdvisorError> {
        match primary.await {
            Ok(value) => Ok(value),
            Err(failure) => {
                warn!(%failure, "the LLM advisor failed this turn; answering offline");
                telemetry::record_fallback();
                let note = format!("{} advisor answered: the LLM failed this turn ({failure})", self.fallback.name());
                Ok(mark(fallback.await?, note))
            }
        }
    }
}

fn in_footer(mut report: Report, note: String) -> Report {
    report.footer = format!("{} · {note}", report.footer);
    report
}

#[async_trait]
impl<P: Advisor, F: Advisor> Advisor for WithFallback<P, F> {
    fn name(&self) -> &'static str {
        self.primary.name()
    }

    async fn first_response(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        self.either(self.primary.first_response(context), self.fallback.first_response(context), in_footer).await
    }

    async fn recommend(&self, context: Context<'_>) -> Result<Recommendation, AdvisorError> {
        self.either(self.primary.recommend(context), self.fallback.recommend(context), |recommendation, _| {
            recommendation
        })
        .await
    }

    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError> {
        self.either(self.primary.focus(context, focus), self.fallback.focus(context, focus), in_footer).await
    }

    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError> {
        let primary = self.primary.answer(context, question);
        self.either(primary, self.fallback.answer(context, question), |answer, note| format!("{answer}\n({note})"))
            .await
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        self.either(self.primary.summarize(context), self.fallback.summarize(context), in_footer).await
    }

    async fn postmortem(&self, context: Context<'_>) -> Result<Narrative, AdvisorError> {
        let primary = self.primary.postmortem(context);
        self.either(primary, self.fallback.postmortem(context), |mut narrative, note| {
            narrative.lessons = format!("{}\n\n_({note})_", narrative.lessons);
            narrative
        })
        .await
    }
}
