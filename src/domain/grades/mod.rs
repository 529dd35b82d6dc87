//! Grade maths that hold everywhere (DESIGN.md §4): the one place that computes percentages,
//! category-weighted averages, letter grades and statistics, and explains each average.
//!
//! - Percentage = score ÷ max score × 100.
//! - A subject average is the category-weighted mean of percentages: within a category every
//!   assessment counts equally; categories with no counted work are left out and the remaining
//!   weights rescaled; excused work is left out; missing work counts as 0 only where the school
//!   says so (otherwise it is left out). With no weights at all, every assessment counts equally.
//!   When weights exist, work in a category without a weight is left out (and says so).
//! - The overall average is the mean of the subject averages that exist.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A cell's content as the teacher entered it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry {
    /// A score between 0 and the maximum.
    Score(f64),
    /// `EX`: left out of every average.
    Excused,
    /// `MI`: counts as 0 where the school says so, else left out.
    Missing,
}

/// Why a cell refuses its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError(pub String);

/// Parses what was typed in a cell: blank (None), `EX`, `MI` or a number from 0 to `max` with at
/// most two decimals.
pub fn parse_entry(raw: &str, max: f64) -> Result<Option<Entry>, EntryError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.to_ascii_uppercase().as_str() {
        "EX" => return Ok(Some(Entry::Excused)),
        "MI" => return Ok(Some(Entry::Missing)),
        _ => {}
    }
    let well_formed = {
        let (int, frac) = raw.split_once('.').unwrap_or((raw, ""));
        !int.is_empty()
            && int.len() <= 7
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && !(raw.contains('.') && frac.is_empty())
    };
    if !well_formed {
        if raw.starts_with('-') {
            return Err(EntryError(format!(
                "Enter a score from 0 to {}.",
                format_score(max)
            )));
        }
        return Err(EntryError(
            "Enter a number, EX (excused) or MI (missing).".into(),
        ));
    }
    if raw.split_once('.').is_some_and(|(_, f)| f.len() > 2) {
        return Err(EntryError("Use at most two decimals.".into()));
    }
    let value: f64 = raw
        .parse()
        .map_err(|_| EntryError("Enter a number, EX (excused) or MI (missing).".into()))?;
    if !(0.0..=max).contains(&value) {
        return Err(EntryError(format!(
            "Enter a score from 0 to {}.",
            format_score(max)
        )));
    }
    Ok(Some(Entry::Score(value)))
}

/// A score as typed back into a cell: `7`, `7.5`, `7.25`.
pub fn format_score(value: f64) -> String {
    let s = format!("{value:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A stored score (at most two decimals) as [`format_score`] writes it, without allocating: a
/// grid writes hundreds of them per page.
pub struct StoredScore(pub f64);

impl StoredScore {
    /// Writes the score to `out` (integers through `itoa`, not the formatting machinery).
    pub fn write_to<W: std::fmt::Write + ?Sized>(&self, out: &mut W) -> std::fmt::Result {
        let hundredths = (self.0 * 100.0).round() as i64;
        if hundredths < 0 {
            out.write_char('-')?;
        }
        let h = hundredths.unsigned_abs();
        let (whole, part) = (h / 100, h % 100);
        out.write_str(itoa::Buffer::new().format(whole))?;
        let digit = |d: u64| char::from(b'0' + d as u8);
        if part != 0 {
            out.write_char('.')?;
            out.write_char(digit(part / 10))?;
        }
        if part % 10 != 0 {
            out.write_char(digit(part % 10))?;
        }
        Ok(())
    }
}

impl std::fmt::Display for StoredScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// A percentage for display: one decimal, `—` for none. Thresholds compare unrounded values.
pub fn format_percent(value: Option<f64>) -> String {
    value.map_or("—".into(), |v| format!("{v:.1} %"))
}

/// One entered mark, as the average sees it. Title and category are shared (a grid makes a mark
/// per cell, and every explanation keeps its marks).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub assessment_id: i64,
    pub title: Arc<str>,
    pub category: Arc<str>,
    pub max_score: f64,
    pub entry: Entry,
}

/// A score as a percentage of its assessment's maximum (none for a maximum that is not positive).
pub fn percent(score: f64, max_score: f64) -> Option<f64> {
    (max_score > 0.0).then(|| score / max_score * 100.0)
}

impl Mark {
    pub fn percent(&self) -> Option<f64> {
        match self.entry {
            Entry::Score(s) => percent(s, self.max_score),
            _ => None,
        }
    }
}

/// The sentence that says how a school's averages treat missing and excused work.
pub fn policy_note(missing_zero: bool) -> String {
    if missing_zero {
        "This school counts missing work (MI) as 0 %. Excused work (EX) is always left out.".into()
    } else {
        "This school leaves missing work (MI) out of averages. Excused work (EX) is always left out.".into()
    }
}

/// How missing work counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    pub missing_counts_as_zero: bool,
}

/// Why a mark is or is not in an average.
#[derive(Debug, Clone, PartialEq)]
pub enum Treatment {
    Counted(f64),
    MissingAsZero,
    LeftOutExcused,
    LeftOutMissing,
    LeftOutNoWeight,
}

impl Treatment {
    pub fn counted(&self) -> Option<f64> {
        match self {
            Self::Counted(p) => Some(*p),
            Self::MissingAsZero => Some(0.0),
            _ => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Counted(p) => format!("counted at {p:.1} %"),
            Self::MissingAsZero => "missing: counted as 0 % (school rule)".into(),
            Self::LeftOutExcused => "excused: left out".into(),
            Self::LeftOutMissing => "missing: left out (school rule)".into(),
            Self::LeftOutNoWeight => "left out: its category has no weight".into(),
        }
    }
}

/// A category's part in an average.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryPart {
    pub category: String,
    /// The weight set for the class and subject (None: no weights set, each mark counts equally).
    pub weight: Option<f64>,
    /// Marks counted.
    pub counted: usize,
    /// Mean percentage of the counted marks (None: nothing counted, category left out).
    pub mean: Option<f64>,
    /// The share of the average after rescaling (0 when left out).
    pub share: f64,
}

impl CategoryPart {
    pub fn mean_label(&self) -> String {
        format_percent(self.mean)
    }
    pub fn weight_label(&self) -> String {
        self.weight.map_or("—".into(), format_score)
    }
    pub fn share_label(&self) -> String {
        match self.mean {
            Some(_) => format!("{:.1} %", self.share * 100.0),
            None => "left out (no counted work)".into(),
        }
    }
}

impl Mark {
    pub fn entry_label(&self) -> String {
        match self.entry {
            Entry::Score(s) => format!("{} / {}", format_score(s), format_score(self.max_score)),
            Entry::Excused => "EX".into(),
            Entry::Missing => "MI".into(),
        }
    }
}

impl Explanation {
    pub fn average_label(&self) -> String {
        format_percent(self.average)
    }
}

/// An average and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub average: Option<f64>,
    pub weighted: bool,
    pub marks: Vec<(Mark, Treatment)>,
    pub categories: Vec<CategoryPart>,
}

/// What a mark with `entry` (out of `max_score`) counts as (DESIGN.md §4): excused work is left
/// out; with weights set, work in a category without a weight is left out; missing work counts
/// as zero only where the school says so. The one place that decides it, for an explanation and
/// for an average alone.
fn treatment(
    entry: Entry,
    max_score: f64,
    weight: Option<f64>,
    weighted: bool,
    policy: Policy,
) -> Treatment {
    match entry {
        Entry::Excused => Treatment::LeftOutExcused,
        _ if weighted && weight.is_none_or(|w| w <= 0.0) => Treatment::LeftOutNoWeight,
        Entry::Missing if policy.missing_counts_as_zero => Treatment::MissingAsZero,
        Entry::Missing => Treatment::LeftOutMissing,
        Entry::Score(s) => Treatment::Counted(percent(s, max_score).unwrap_or(0.0)),
    }
}

/// The categories an average is made of: with weights, each weighted category in the weights'
/// order; without, one pool of all work. Each gathers its counted percentages as a running sum
/// and count, in the order of the marks.
struct Pools<'w> {
    weighted: bool,
    /// (category, weight, sum, count).
    pools: Vec<(&'w str, f64, f64, usize)>,
}

impl<'w> Pools<'w> {
    fn new(weights: &'w BTreeMap<String, f64>) -> Self {
        let weighted = weights.values().any(|w| *w > 0.0);
        let pools = if weighted {
            (weights.iter())
                .filter(|(_, w)| **w > 0.0)
                .map(|(c, w)| (c.as_str(), *w, 0.0, 0))
                .collect()
        } else {
            vec![("", 0.0, 0.0, 0)]
        };
        Self { weighted, pools }
    }

    /// The pool of a mark in `category` (None: its category has no weight).
    fn of(&self, category: &str) -> Option<usize> {
        if self.weighted {
            self.pools.iter().position(|p| p.0 == category)
        } else {
            Some(0)
        }
    }

    /// Treats one mark and adds it to its pool if it counts.
    fn add(&mut self, category: &str, max_score: f64, entry: Entry, policy: Policy) -> Treatment {
        let pool = self.of(category);
        let weight = pool.map(|i| self.pools[i].1);
        let t = treatment(entry, max_score, weight, self.weighted, policy);
        if let (Some(i), Some(p)) = (pool, t.counted()) {
            self.pools[i].2 += p;
            self.pools[i].3 += 1;
        }
        t
    }

    fn mean(pool: &(&str, f64, f64, usize)) -> Option<f64> {
        (pool.3 > 0).then(|| pool.2 / pool.3 as f64)
    }

    /// The average: the pool's mean without weights; with weights, the weighted mean of the
    /// pools that have counted work, their weights rescaled to sum to one. Also each pool's
    /// share (0 when left out).
    fn average(&self) -> (Option<f64>, Vec<f64>) {
        if !self.weighted {
            let average = Self::mean(&self.pools[0]);
            return (average, vec![if average.is_some() { 1.0 } else { 0.0 }]);
        }
        let total: f64 = (self.pools.iter())
            .filter(|p| Self::mean(p).is_some())
            .map(|p| p.1)
            .sum();
        let mut shares = vec![0.0; self.pools.len()];
        if total <= 0.0 {
            return (None, shares);
        }
        let mut sum = 0.0;
        for (p, share) in self.pools.iter().zip(shares.iter_mut()) {
            if let Some(m) = Self::mean(p) {
                *share = p.1 / total;
                sum += m * *share;
            }
        }
        (Some(sum), shares)
    }
}

/// The category-weighted average of `marks` (DESIGN.md §4), with its explanation. `weights` maps
/// category names to positive weights; empty means every mark counts equally.
pub fn explain_average(
    marks: Vec<Mark>,
    weights: &BTreeMap<String, f64>,
    policy: Policy,
) -> Explanation {
    let mut pools = Pools::new(weights);
    let treated: Vec<(Mark, Treatment)> = marks
        .into_iter()
        .map(|m| {
            let t = pools.add(&m.category, m.max_score, m.entry, policy);
            (m, t)
        })
        .collect();
    let (average, shares) = pools.average();
    let categories = (pools.pools.iter().zip(shares))
        .map(|(p, share)| CategoryPart {
            // With no weights, all work is one pool in which every mark counts equally.
            category: if pools.weighted {
                p.0.to_string()
            } else {
                "All work".into()
            },
            weight: pools.weighted.then_some(p.1),
            counted: p.3,
            mean: Pools::mean(p),
            share,
        })
        .collect();
    Explanation {
        average,
        weighted: pools.weighted,
        marks: treated,
        categories,
    }
}

/// The average alone, as [`explain_average`] makes it, of marks given as (category, maximum
/// score, entry): no explanation is built (a grid needs thirty averages per page, and only
/// their figures).
pub fn average_of<'a>(
    marks: impl IntoIterator<Item = (&'a str, f64, Entry)>,
    weights: &BTreeMap<String, f64>,
    policy: Policy,
) -> Option<f64> {
    let mut pools = Pools::new(weights);
    for (category, max_score, entry) in marks {
        pools.add(category, max_score, entry, policy);
    }
    pools.average().0
}

/// The average alone.
pub fn average(marks: &[Mark], weights: &BTreeMap<String, f64>, policy: Policy) -> Option<f64> {
    average_of(
        marks.iter().map(|m| (&*m.category, m.max_score, m.entry)),
        weights,
        policy,
    )
}

/// The overall average: the mean of the subject averages that exist.
pub fn overall(subject_averages: &[Option<f64>]) -> Option<f64> {
    let present: Vec<f64> = subject_averages.iter().flatten().copied().collect();
    mean(&present)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

mod scale;
pub use scale::{stats, GradeScale, Stats};

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
