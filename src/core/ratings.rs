//! The ratings of the bot's help that count, read from a timeline: every `/feedback` typed
//! counts, and of the ratings given with an answer's buttons only each person's latest per
//! answer counts (a rating can be changed, never stuffed). The production measure of the study,
//! as `stats feedback`, the card and the postmortem report it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::timeline::{Entry, EntryKind};

/// One rating that counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 1 (useless) to 5 (spot on).
    pub rating: u8,
    /// The advisor rated, when recorded.
    pub advisor: Option<String>,
    /// The answer rated, when the rating came from its buttons.
    pub answer: Option<String>,
    /// Who rated.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The ratings in `timeline` that count, in the order they were first given.
pub fn counted(timeline: &[Entry]) -> Vec<Rating> {
    let mut ratings: Vec<Rating> = Vec::new();
    let mut latest: HashMap<(String, String), usize> = HashMap::new();
    for entry in timeline {
        let EntryKind::Feedback { rating, advisor, answer } = &entry.kind else { continue };
        let counted = Rating {
            rating: *rating,
            advisor: advisor.clone(),
            answer: answer.clone(),
            by: entry.author.id.clone(),
            at: entry.at,
        };
        match answer {
            Some(answer) => match latest.get(&(answer.clone(), entry.author.id.clone())) {
                Some(&index) => ratings[index] = counted,
                None => {
                    latest.insert((answer.clone(), entry.author.id.clone()), ratings.len());
                    ratings.push(counted);
                }
            },
            None => ratings.push(counted),
        }
    }
    ratings
}

/// The mean of `ratings`, if there are any.
pub fn mean(ratings: &[Rating]) -> Option<f64> {
    let count = ratings.len();
    (count > 0).then(|| ratings.iter().map(|rating| f64::from(rating.rating)).sum::<f64>() / count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::timeline::Author;

    fn rated(by: &str, rating: u8, answer: Option<&str>) -> Entry {
        let kind = EntryKind::Feedback { rating, advisor: Some("offline".into()), answer: answer.map(str::to_owned) };
        Entry::new(Utc::now(), Author::new(by, by), kind, "")
    }

    #[test]
    fn a_person_counts_once_per_answer_with_their_latest_rating() {
        let timeline = [
            rated("maya", 2, Some("a1")),
            rated("sam", 5, Some("a1")),
            rated("maya", 4, Some("a1")),
            rated("maya", 3, Some("b2")),
            rated("maya", 1, None),
            rated("maya", 2, None),
        ];

        let ratings: Vec<(String, u8)> = counted(&timeline).into_iter().map(|r| (r.by, r.rating)).collect();

        assert_eq!(
            ratings,
            [("maya".into(), 4), ("sam".into(), 5), ("maya".into(), 3), ("maya".into(), 1), ("maya".into(), 2)]
        );
        assert_eq!(mean(&counted(&timeline[..3])), Some(4.5));
    }
}
